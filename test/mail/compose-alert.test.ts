import type { ParsedMail } from "mailparser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { composeAlert } from "../../src/mail/compose-alert.js";
import { createMailTransport, type MailTransport } from "../../src/mail/mail-transport.js";
import { planDeliveries } from "../../src/mail/plan-deliveries.js";
import { verifyToken } from "../../src/mail/unsubscribe-token.js";
import type { Delivery } from "../../src/core/subscription.js";
import type { Release } from "../../src/core/release.js";
import { composeOptions, makeRelease, makeSubscriber, makeTopic, snippetFor } from "../fixtures/mail/builders.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { DEFAULT_DIGEST_SCHEDULE } from "../../src/config/schema.js";

const now = new Date("2024-01-10T12:00:00Z");
const topic = makeTopic("facial recognition");
const alice = makeSubscriber("alice@example.org", [topic]);

function deliveryFor(release: Release, options: { revision?: boolean; changes?: string; email?: string } = {}): Delivery {
  const subscriber = options.email ? makeSubscriber(options.email, [topic]) : alice;
  const text = `The police will trial facial recognition vans in ${release.title}.`;
  const [d] = planDeliveries(
    [{
      release,
      revisionHash: options.revision ? "rev-2" : "rev-1",
      isRevision: options.revision ?? false,
      ...(options.changes ? { changes: options.changes } : {}),
      matches: [{ subscriber, topic: { ...topic, revisions: true }, snippet: snippetFor(text, "facial recognition") }],
    }],
    now,
    DEFAULT_DIGEST_SCHEDULE,
  );
  return d!;
}

function header(parsed: ParsedMail, name: string): string | undefined {
  return parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line.replace(/^[^:]+:\s*/, "").replace(/\r?\n\s+/g, " ");
}

describe("composeAlert", () => {
  let sink: SmtpSink;
  let transport: MailTransport;
  beforeAll(async () => {
    sink = await startSmtpSink();
    transport = createMailTransport({ smtpUrl: sink.url, outboxDir: "/nonexistent" });
  });
  afterAll(async () => {
    await transport.close();
    await sink.close();
  });
  beforeEach(() => sink.reset());

  async function deliver(deliveries: readonly Delivery[]): Promise<ParsedMail> {
    const message = composeAlert(deliveries, composeOptions);
    await transport.send(message);
    expect(sink.messages).toHaveLength(1);
    return sink.messages[0]!.parsed;
  }

  it("sends one alert with both parts, list headers and working unsubscribe links", async () => {
    const d = deliveryFor(makeRelease(1));
    const message = composeAlert([d], composeOptions);
    expect(message.subject).toBe(`[Pressroom] ${makeRelease(1).title}`);
    const parsed = await deliver([d]);

    expect(parsed.subject).toBe(message.subject);
    expect(parsed.messageId).toBe(message.messageId);
    expect(message.messageId).toMatch(/^<[0-9a-f]{24}@home-office\.pressroom\.test>$/);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : undefined).toBe("alice@example.org");
    expect(parsed.text).toContain("«facial recognition»");
    expect(parsed.text).toContain("Why you got this: you subscribed to “facial recognition”");
    expect(parsed.text).toContain(makeRelease(1).url);
    expect(parsed.html).toContain("<mark>facial recognition</mark>");
    expect(parsed.html).toContain(`href="${makeRelease(1).url}"`);
    expect(parsed.html).toContain("Why you got this");

    expect(header(parsed, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    expect(header(parsed, "List-Id")).toBe("<home-office.pressroom.test>");
    const list = header(parsed, "List-Unsubscribe")!;
    const m = /^<(https:\/\/pressroom\.test\/unsubscribe\?token=[^>]+)>, <(mailto:unsubscribe@pressroom\.test\?subject=unsubscribe%20[^>]+)>$/.exec(list);
    expect(m, list).not.toBeNull();
    const httpsToken = new URL(m![1]!).searchParams.get("token")!;
    expect(verifyToken(composeOptions.secret, httpsToken)).toEqual({ email: "alice@example.org", topicId: topic.id });
    const mailtoToken = decodeURIComponent(m![2]!.split("subject=")[1]!).replace(/^unsubscribe /, "");
    expect(mailtoToken).toBe(httpsToken);
    // mailparser's structured view agrees
    const parsedList = parsed.headers.get("list") as { unsubscribe?: { url?: string; mail?: string }; id?: { name?: string } };
    expect(parsedList.unsubscribe?.url).toBe(m![1]);
    expect(parsedList.unsubscribe?.mail).toBe(m![2]!.replace(/^mailto:/, ""));
    expect(parsedList.id?.name).toBe("home-office.pressroom.test");

    // every link in the body verifies too: one per topic and one for everything
    const bodyTokens = [...parsed.text!.matchAll(/token=([A-Za-z0-9_.-]+)/g)].map((x) => verifyToken(composeOptions.secret, x[1]!));
    expect(bodyTokens).toContainEqual({ email: "alice@example.org", topicId: topic.id });
    expect(bodyTokens).toContainEqual({ email: "alice@example.org" });
  });

  it("escapes HTML and keeps CR/LF out of headers", async () => {
    const evil = makeRelease(2, { title: `<script>alert("x")</script> & Co\r\nBcc: victim@example.org`, url: "javascript:alert(1)" });
    const d = deliveryFor(evil);
    const message = composeAlert([d], composeOptions);
    expect(message.subject).not.toMatch(/[\r\n]/);
    for (const value of Object.values(message.headers)) expect(value).not.toMatch(/[\r\n]/);
    const parsed = await deliver([d]);
    expect(sink.messages[0]!.to).toEqual(["alice@example.org"]);
    expect(parsed.headers.has("bcc")).toBe(false);
    expect(parsed.subject).toBe('[Pressroom] <script>alert("x")</script> & Co Bcc: victim@example.org');
    expect(parsed.html).not.toContain("<script>");
    expect(parsed.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co");
    expect(parsed.html).not.toContain("javascript:");
    expect(parsed.text).toContain('<script>alert("x")</script> & Co');
  });

  it("says what changed in a revision alert", async () => {
    const d = deliveryFor(makeRelease(3), { revision: true, changes: "Added the cost <£5m>." });
    const parsed = await deliver([d]);
    expect(parsed.subject).toBe(`[Pressroom] Updated: ${makeRelease(3).title}`);
    expect(parsed.text).toContain("What changed: Added the cost <£5m>.");
    expect(parsed.html).toContain("What changed:</strong> Added the cost &lt;£5m&gt;.");
  });

  it("makes a digest of several releases with a stable Message-ID", async () => {
    const ds = [1, 2, 3].map((n) => deliveryFor(makeRelease(n)));
    const message = composeAlert(ds, composeOptions);
    expect(message.subject).toBe("[Pressroom] 3 new Home Office releases for your topics");
    expect(composeAlert([...ds].reverse(), composeOptions)).toEqual(message);
    const parsed = await deliver(ds);
    for (const n of [1, 2, 3]) {
      expect(parsed.text).toContain(makeRelease(n).title);
      expect(parsed.html).toContain(makeRelease(n).title);
    }
    expect(parsed.messageId).toBe(message.messageId);
  });

  it("refuses a batch for two subscribers or an invalid address", () => {
    const a = deliveryFor(makeRelease(1));
    const b = deliveryFor(makeRelease(2), { email: "bob@example.org" });
    expect(() => composeAlert([a, b], composeOptions)).toThrow(/one subscriber/);
    expect(() => composeAlert([{ ...a, email: "x@example.org\r\nBcc: y@example.org" }], composeOptions)).toThrow(/not valid/);
    expect(() => composeAlert([], composeOptions)).toThrow(/nothing to compose/);
  });

  // The subject as a mail reader shows it.
  it("cuts a long title of non-BMP characters (emoji) without leaving a broken half character (U+FFFD)", async () => {
    // 200 emoji: the 180-unit cap falls inside a surrogate pair.
    const subject = (await deliver([deliveryFor(makeRelease(1, { title: "\u{1F600}".repeat(200) }))])).subject ?? "";
    expect(subject).not.toContain("\uFFFD");
    expect(subject).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(subject.endsWith("\u{1F600}…")).toBe(true);
  });

  it("shows a plain-ASCII title that looks like an RFC 2047 encoded-word literally, not decoded", async () => {
    const title = "Statement on =?utf-8?Q?=E2=80=AEgnp.exe?= and fees";
    // The title text is ASCII; what the subscriber sees must be that text, not a decoding of it.
    expect((await deliver([deliveryFor(makeRelease(1, { title }))])).subject).toBe(`[Pressroom] ${title}`);
  });

  it("keeps bidi override characters of the department out of a digest subject, as out of a single alert's", () => {
    const department = "Home \u202EOffice";
    const single = composeAlert([deliveryFor(makeRelease(1, { department, title: "Title \u202Ewith override" }))], composeOptions);
    expect(single.subject).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    const digest = composeAlert([deliveryFor(makeRelease(1, { department })), deliveryFor(makeRelease(2, { department }))], composeOptions);
    expect(digest.subject).toContain("2 new");
    expect(digest.subject).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
  });
});
