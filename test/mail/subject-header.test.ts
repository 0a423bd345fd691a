import { simpleParser } from "mailparser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { composeAlert } from "../../src/mail/compose-alert.js";
import { createMailTransport, type MailTransport } from "../../src/mail/mail-transport.js";
import { planDeliveries } from "../../src/mail/plan-deliveries.js";
import type { Delivery } from "../../src/core/subscription.js";
import { composeOptions, makeRelease, makeSubscriber, makeTopic, snippetFor } from "../fixtures/mail/builders.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";

const now = new Date("2024-01-10T12:00:00Z");

function delivery(n: number, overrides: { title?: string; department?: string } = {}, frequency: "immediate" | "daily" = "immediate"): Delivery {
  const topic = makeTopic("facial recognition", frequency);
  const subscriber = makeSubscriber("alice@example.org", [topic]);
  const release = makeRelease(n, overrides);
  const text = "The police will trial facial recognition vans.";
  return planDeliveries([{ release, revisionHash: "r1", isRevision: false, matches: [{ subscriber, topic, snippet: snippetFor(text, "facial recognition") }] }], now)[0]!;
}

describe("subject header as a mail reader shows it", () => {
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

  async function subjectReceived(deliveries: Delivery[]): Promise<string> {
    await transport.send(composeAlert(deliveries, composeOptions));
    expect(sink.messages).toHaveLength(1);
    const parsed = await simpleParser(sink.messages[0]!.raw);
    return parsed.subject ?? "";
  }

  it("a long title of non-BMP characters (emoji) is cut without leaving a broken half character (U+FFFD)", async () => {
    // 200 emoji: the 180-unit cap falls inside a surrogate pair.
    const subject = await subjectReceived([delivery(1, { title: "\u{1F600}".repeat(200) })]);
    expect(subject).not.toContain("\uFFFD");
    expect(subject).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(subject.endsWith("\u{1F600}…")).toBe(true);
  });

  it("a plain-ASCII title that looks like an RFC 2047 encoded-word is shown literally, not decoded", async () => {
    const title = "Statement on =?utf-8?Q?=E2=80=AEgnp.exe?= and fees";
    const subject = await subjectReceived([delivery(1, { title })]);
    // The title text is ASCII; what the subscriber sees must be that text, not a decoding of it.
    expect(subject).toBe(`[Pressroom] ${title}`);
  });

  it("a digest subject does not carry bidi override characters from the department (stripped for single alerts)", async () => {
    const department = "Home \u202EOffice";
    const single = composeAlert([delivery(1, { department, title: `Title \u202Ewith override` })], composeOptions);
    expect(single.subject).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/); // single alert: stripped
    const digest = composeAlert([delivery(1, { department }, "daily"), delivery(2, { department }, "daily")], composeOptions);
    expect(digest.subject).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
  });
});
