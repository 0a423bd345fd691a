import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMailTransport, signToken, topicId, type MailTransport } from "../../src/mail/index.js";
import { systemClock } from "../../src/core/clock.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { SECRET, startServedState, type ServedState } from "./server-fixture.js";

let s: ServedState;
let sink: SmtpSink;
let transport: MailTransport;
beforeAll(async () => {
  sink = await startSmtpSink();
  transport = createMailTransport({ smtpUrl: sink.url, outboxDir: "/nonexistent", pool: false });
  s = await startServedState({ transport });
});
afterAll(async () => {
  await s?.cleanup();
  await transport?.close();
  await sink?.close();
});
beforeEach(() => sink.reset());

const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
  redirect: "manual" as const,
});
const subscribers = async () => s.store.subscriptions.list();
const tokenFromMail = (text: string) => decodeURIComponent(/\/confirm\?token=([^\s"<]+)/.exec(text)![1]!);

describe("index page", () => {
  it("lists the feeds with autodiscovery links and a subscribe form", async () => {
    const res = await fetch(`${s.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    for (const href of ["/feeds/all.atom", "/feeds/kinds/press-release.atom", "/feeds/kinds/speech.atom", "/feeds/topics/facial-recognition.atom"]) {
      expect(html).toContain(`<link rel="alternate" type="application/atom+xml" title="`);
      expect(html).toMatch(new RegExp(`<link rel="alternate" type="application/atom\\+xml" title="[^"]*" href="${href.replace(/[./]/g, "\\$&")}">`));
    }
    expect(html).toContain('href="/feeds/archive/2023-10.atom"');
    expect(html).toContain('<form method="post" action="/subscribe">');
  });
});

describe("subscribe (double opt-in)", () => {
  it("emails a confirmation link and subscribes only after the confirm POST", async () => {
    const res = await fetch(`${s.url}/subscribe`, form({ email: "Reader@Example.org", query: "asylum hotels", frequency: "daily" }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("reader@example.org");
    expect(sink.messages).toHaveLength(1);
    const mail = sink.messages[0]!;
    expect(mail.to).toEqual(["reader@example.org"]);
    expect(mail.parsed.subject).toBe("[Pressroom] Confirm your subscription");
    expect(mail.parsed.text).toContain(`${s.url}/confirm?token=`);
    expect(await subscribers()).toEqual([]);

    const token = tokenFromMail(mail.parsed.text ?? "");
    const page = await fetch(`${s.url}/confirm?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post" action="/confirm">');
    expect(await subscribers()).toEqual([]);

    const done = await fetch(`${s.url}/confirm`, form({ token }));
    expect(done.status).toBe(200);
    const list = await subscribers();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ email: "reader@example.org", origin: "web", topics: [{ id: topicId("asylum hotels"), query: "asylum hotels", frequency: "daily" }] });

    const reused = await fetch(`${s.url}/confirm`, form({ token }));
    expect(reused.status).toBe(400);
    expect(await reused.text()).toMatch(/unknown, expired or already used/);
  });

  it.each([
    [{ email: "not-an-email", query: "asylum" }, /not valid/],
    [{ email: "a@example.org\r\nBcc: x@evil.test", query: "asylum" }, /line break|not valid/],
    [{ email: "a@example.org", query: "(asylum" }, /never closed/],
    [{ email: "a@example.org", query: "" }, /enter a topic/],
    [{ email: "a@example.org", query: "asylum", frequency: "hourly" }, /frequency must be/],
  ])("rejects %j with 400 and sends nothing", async (fields, why) => {
    const res = await fetch(`${s.url}/subscribe`, form(fields));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(why);
    expect(sink.messages).toHaveLength(0);
  });

  it("escapes what the visitor typed", async () => {
    const res = await fetch(`${s.url}/subscribe`, form({ email: "<script>@x.org", query: "a" }));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
  });

  it.each(["", "short", "x".repeat(32) + "!"])("a malformed confirm token %j is 400", async (token) => {
    expect((await fetch(`${s.url}/confirm?token=${encodeURIComponent(token)}`)).status).toBe(400);
    expect((await fetch(`${s.url}/confirm`, form({ token }))).status).toBe(400);
  });
});

describe("unsubscribe", () => {
  const seed = async (email: string, queries: string[]) => {
    const at = new Date().toISOString();
    for (const q of queries) await s.store.subscriptions.addTopic(email, { id: topicId(q), query: q, frequency: "immediate", revisions: false, createdAt: at }, "cli");
  };

  it("GET shows a confirmation page naming the topic and changes nothing", async () => {
    await seed("one@example.org", ["asylum", "police"]);
    const token = signToken(SECRET, { email: "one@example.org", topicId: topicId("police") });
    const res = await fetch(`${s.url}/unsubscribe?token=${encodeURIComponent(token)}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("alerts for police");
    expect(html).toContain('name="List-Unsubscribe" value="One-Click"');
    expect((await subscribers()).find((x) => x.email === "one@example.org")?.topics).toHaveLength(2);
  });

  it("POST List-Unsubscribe=One-Click (RFC 8058) removes that topic, then the last one removes the subscriber", async () => {
    await seed("two@example.org", ["asylum", "police"]);
    const post = (topic: string) =>
      fetch(`${s.url}/unsubscribe?token=${encodeURIComponent(signToken(SECRET, { email: "two@example.org", topicId: topicId(topic) }))}`, form({ "List-Unsubscribe": "One-Click" }));
    expect((await post("police")).status).toBe(200);
    expect((await subscribers()).find((x) => x.email === "two@example.org")?.topics.map((t) => t.query)).toEqual(["asylum"]);
    expect((await post("asylum")).status).toBe(200);
    expect((await subscribers()).find((x) => x.email === "two@example.org")).toBeUndefined();
    expect((await post("asylum")).status).toBe(200);
  });

  it("a token without a topic removes every topic", async () => {
    await seed("three@example.org", ["asylum", "police"]);
    const token = signToken(SECRET, { email: "three@example.org" });
    const res = await fetch(`${s.url}/unsubscribe?token=${encodeURIComponent(token)}`, form({ "List-Unsubscribe": "One-Click" }));
    expect(res.status).toBe(200);
    expect((await subscribers()).find((x) => x.email === "three@example.org")).toBeUndefined();
  });

  it.each([
    ["missing", ""],
    ["garbage", "abc"],
    ["forged", signToken("another-secret-of-some-length", { email: "four@example.org" })],
    ["altered", signToken(SECRET, { email: "four@example.org" }).replace(/^./, "X")],
  ])("a %s token is 400 on GET and POST and removes nothing", async (_what, token) => {
    await seed("four@example.org", ["asylum"]);
    const get = await fetch(`${s.url}/unsubscribe?token=${encodeURIComponent(token)}`);
    expect(get.status).toBe(400);
    expect(await get.text()).toMatch(/not valid/);
    const post = await fetch(`${s.url}/unsubscribe?token=${encodeURIComponent(token)}`, form({ "List-Unsubscribe": "One-Click" }));
    expect(post.status).toBe(400);
    expect((await subscribers()).find((x) => x.email === "four@example.org")).toBeDefined();
  });
});

describe("confirmation email when SMTP is down", () => {
  it("answers 503 and keeps no subscriber", async () => {
    await sink.down();
    try {
      const res = await fetch(`${s.url}/subscribe`, form({ email: "late@example.org", query: "asylum" }));
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("300");
      expect((await subscribers()).find((x) => x.email === "late@example.org")).toBeUndefined();
    } finally {
      await sink.up();
    }
  });
});

it("the .eml transport writes confirmation emails as files under <state>/outbox", async () => {
  const { createServer } = await import("../../src/server/index.js");
  const { createMailTransport } = await import("../../src/mail/index.js");
  const { readdir, readFile } = await import("node:fs/promises");
  const transport = createMailTransport({ outboxDir: join(s.stateDir, "outbox") });
  const server = createServer({ store: s.store, config: s.config, secret: SECRET, transport });
  const { url } = await server.listen(0);
  try {
    const res = await fetch(`${url}/subscribe`, form({ email: "eml@example.org", query: "asylum" }));
    expect(res.status).toBe(200);
    const files = await readdir(join(s.stateDir, "outbox"));
    const { simpleParser } = await import("mailparser");
    const eml = await simpleParser(await readFile(join(s.stateDir, "outbox", files.find((f) => f.endsWith(".eml"))!)));
    expect(eml.text).toContain("http://pressroom.test/confirm?token=");
  } finally {
    await server.close();
    await transport.close();
  }
});
