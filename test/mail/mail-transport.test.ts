import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { composeAlert, type ComposedMessage } from "../../src/mail/compose-alert.js";
import { createMailTransport, type MailTransport } from "../../src/mail/mail-transport.js";
import { planDeliveries } from "../../src/mail/plan-deliveries.js";
import { MailSendError } from "../../src/mail/send-error.js";
import { composeOptions, makeRelease, makeSubscriber, makeTopic, snippetFor } from "../fixtures/mail/builders.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { DEFAULT_DIGEST_SCHEDULE } from "../../src/config/schema.js";

const topic = makeTopic("facial recognition");

function messageTo(email: string, n = 1): ComposedMessage {
  const deliveries = planDeliveries(
    [{
      release: makeRelease(n),
      revisionHash: "r1",
      isRevision: false,
      matches: [{ subscriber: makeSubscriber(email, [topic]), topic, snippet: snippetFor("Facial recognition vans.", "facial recognition") }],
    }],
    new Date("2024-01-10T12:00:00Z"),
    DEFAULT_DIGEST_SCHEDULE,
  );
  return composeAlert(deliveries, composeOptions);
}

async function sendError(transport: MailTransport, message: ComposedMessage): Promise<MailSendError> {
  try {
    await transport.send(message);
  } catch (error) {
    expect(error).toBeInstanceOf(MailSendError);
    return error as MailSendError;
  }
  throw new Error("send did not fail");
}

describe("SMTP transport", () => {
  let sink: SmtpSink;
  let transport: MailTransport;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(() => {
    sink.reset();
    transport = createMailTransport({ smtpUrl: sink.url, outboxDir: "/nonexistent", timeoutMs: 5_000 });
  });
  afterEach(async () => {
    await transport.close();
  });

  it("delivers and reports the accepted recipient", async () => {
    const result = await transport.send(messageTo("alice@example.org"));
    expect(transport.kind).toBe("smtp");
    expect(result.accepted).toEqual(["alice@example.org"]);
    expect(result.rejected).toEqual([]);
    expect(result.response).toMatch(/^250/);
    expect(sink.messages.map((m) => m.to)).toEqual([["alice@example.org"]]);
  });

  it("resolves a partial rejection with the rejected recipient", async () => {
    sink.rejectRecipient("bad@example.org", 550);
    const message = { ...messageTo("ok@example.org"), to: "ok@example.org, bad@example.org" };
    const result = await transport.send(message);
    expect(result.accepted).toEqual(["ok@example.org"]);
    expect(result.rejected).toEqual(["bad@example.org"]);
    expect(sink.messages.map((m) => m.to)).toEqual([["ok@example.org"]]);
  });

  it.each([
    ["recipient 550", () => sink.rejectRecipient("alice@example.org", 550), true, 550],
    ["recipient 450", () => sink.rejectRecipient("alice@example.org", 450), false, 450],
    ["data 554", () => sink.rejectData(554), true, 554],
    ["data 451", () => sink.rejectData(451), false, 451],
  ])("classifies %s", async (_name, arrange, permanent, code) => {
    arrange();
    const error = await sendError(transport, messageTo("alice@example.org"));
    expect(error.permanent).toBe(permanent);
    expect(error.responseCode).toBe(code);
    expect(error.code).toBe("MAIL_FAILED");
    expect(sink.messages).toHaveLength(0);
  });

  it("keeps one connection for messages one after another, and opens a fresh one after the server closed it while idle", async () => {
    for (const email of ["a@example.org", "b@example.org", "c@example.org"]) await transport.send(messageTo(email));
    expect(sink.connectionsOpened).toBe(1);
    await sink.dropConnections();
    await expect(transport.send(messageTo("d@example.org"))).resolves.toMatchObject({ accepted: ["d@example.org"] });
    expect(sink.connectionsOpened).toBe(2);
    expect(sink.messages.map((m) => m.to[0])).toEqual(["a@example.org", "b@example.org", "c@example.org", "d@example.org"]);
  });

  it("sends a message again on a fresh connection when the kept one closes before any of it was sent", async () => {
    await transport.send(messageTo("a@example.org"));
    sink.closeOnMailFrom(1);
    await expect(transport.send(messageTo("b@example.org"))).resolves.toMatchObject({ accepted: ["b@example.org"] });
    expect(sink.connectionsOpened).toBe(2);
    expect(sink.messages.map((m) => m.to[0])).toEqual(["a@example.org", "b@example.org"]);
  });

  it("opens at most `connections` connections however many sends are waiting", async () => {
    const two = createMailTransport({ smtpUrl: sink.url, outboxDir: "/nonexistent", timeoutMs: 5_000, connections: 2 });
    try {
      sink.slow(20);
      await Promise.all(Array.from({ length: 6 }, (_, i) => two.send(messageTo(`r${i}@example.org`))));
      expect(sink.messages).toHaveLength(6);
      expect(sink.connectionsOpened).toBe(2);
    } finally {
      await two.close();
    }
  });

  it("opens its connections ahead when warmed, and the sends that follow use them instead of opening more", async () => {
    const three = createMailTransport({ smtpUrl: sink.url, outboxDir: "/nonexistent", timeoutMs: 5_000, connections: 3 });
    try {
      three.warm?.();
      three.warm?.(); // a second call while they open opens no more
      // Before any send: warming alone opens every connection (a warm that did nothing would leave 0).
      for (let i = 0; i < 100 && sink.connectionsOpened < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(sink.connectionsOpened).toBe(3);
      expect(sink.messages).toHaveLength(0);
      await Promise.all(Array.from({ length: 6 }, (_, i) => three.send(messageTo(`w${i}@example.org`))));
      expect(sink.messages).toHaveLength(6);
      expect(sink.connectionsOpened).toBe(3);
      three.warm?.(); // all open and idle: nothing to open
      await three.send(messageTo("later@example.org"));
      expect(sink.connectionsOpened).toBe(3);
    } finally {
      await three.close();
    }
  });

  it("sends on a fresh connection when one opened ahead was closed by the server before it was used", async () => {
    const one = createMailTransport({ smtpUrl: sink.url, outboxDir: "/nonexistent", timeoutMs: 5_000, connections: 1 });
    try {
      one.warm?.();
      for (let i = 0; i < 50 && sink.connectionsOpened < 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 200)); // past the greeting: the connection is ready and idle
      await sink.dropConnections();
      await expect(one.send(messageTo("a@example.org"))).resolves.toMatchObject({ accepted: ["a@example.org"] });
      expect(sink.connectionsOpened).toBe(2);
      expect(sink.messages.map((m) => m.to[0])).toEqual(["a@example.org"]);
      // One opened ahead that the server closes as the message begins: the message goes again, once, on a fresh one.
      await sink.dropConnections();
      one.warm?.();
      for (let i = 0; i < 50 && sink.connectionsOpened < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 200));
      sink.closeOnMailFrom(1);
      await expect(one.send(messageTo("b@example.org"))).resolves.toMatchObject({ accepted: ["b@example.org"] });
      expect(sink.connectionsOpened).toBe(4);
      expect(sink.messages.map((m) => m.to[0])).toEqual(["a@example.org", "b@example.org"]);
    } finally {
      await one.close();
    }
  });

  it("reports a server that is down to the send that follows a warm-up, which never throws itself", async () => {
    await sink.down();
    try {
      expect(() => transport.warm?.()).not.toThrow();
      const error = await sendError(transport, messageTo("alice@example.org"));
      expect(error.unreachable).toBe(true);
    } finally {
      await sink.up();
    }
    await expect(transport.send(messageTo("alice@example.org"))).resolves.toMatchObject({ accepted: ["alice@example.org"] });
  });

  it("completes a message only once its release resolves, and never one whose release rejects", async () => {
    let open!: () => void;
    const release = new Promise<void>((resolve) => (open = resolve));
    const held = transport.send(messageTo("held@example.org"), { release });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(sink.messages).toHaveLength(0);
    open();
    await expect(held).resolves.toMatchObject({ accepted: ["held@example.org"] });
    expect(sink.messages.map((m) => m.to[0])).toEqual(["held@example.org"]);

    let fail!: (error: Error) => void;
    const refused = new Promise<void>((_resolve, reject) => (fail = reject));
    const abandoned = transport.send(messageTo("abandoned@example.org"), { release: refused });
    await new Promise((resolve) => setTimeout(resolve, 150));
    fail(new Error("the previous acknowledgement was not written"));
    const error = await abandoned.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(MailSendError);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(sink.messages.map((m) => m.to[0])).toEqual(["held@example.org"]);
    // The connection it was on is gone; the next message goes out on a fresh one.
    await expect(transport.send(messageTo("next@example.org"))).resolves.toMatchObject({ accepted: ["next@example.org"] });
    expect(sink.messages.map((m) => m.to[0])).toEqual(["held@example.org", "next@example.org"]);
  });

  it("classifies a server that is down as transient and unreachable, then recovers", async () => {
    await sink.down();
    try {
      const error = await sendError(transport, messageTo("alice@example.org"));
      expect(error.permanent).toBe(false);
      expect(error.unreachable).toBe(true);
      expect(error.message).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
    } finally {
      await sink.up();
    }
    await expect(transport.send(messageTo("alice@example.org"))).resolves.toMatchObject({ accepted: ["alice@example.org"] });
  });
});

describe("eml-file transport", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "pressroom-eml-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes one parseable .eml file per Message-ID", async () => {
    const outbox = join(dir, "state", "outbox");
    const transport = createMailTransport({ outboxDir: outbox, clock: fixedClock("2024-01-10T12:00:00Z") });
    expect(transport.kind).toBe("eml");
    const message = messageTo("alice@example.org");
    const result = await transport.send(message);
    expect(result.accepted).toEqual(["alice@example.org"]);
    await transport.send(message); // a re-send of the same batch
    await transport.send(messageTo("alice@example.org", 2));
    const files = (await readdir(outbox)).sort();
    expect(files).toHaveLength(2);
    const stem = message.messageId.slice(1, -1);
    expect(files).toContain(`20240110T120000Z-${stem}.eml`);
    const raw = await readFile(join(outbox, `20240110T120000Z-${stem}.eml`), "utf8");
    expect(raw).toContain("\r\n");
    const parsed = await simpleParser(raw);
    expect(parsed.messageId).toBe(message.messageId);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.text).toContain("«Facial recognition» vans.");
    expect(parsed.html).toContain("<mark>Facial recognition</mark> vans.");
    expect(parsed.headers.get("list")).toMatchObject({ "unsubscribe-post": { name: "List-Unsubscribe=One-Click" } });
    await transport.close();
  });
});
