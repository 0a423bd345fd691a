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
