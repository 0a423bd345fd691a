import { describe, expect, it } from "vitest";
import { composeAlert, stripUnsafeText } from "../../src/mail/compose-alert.js";
import { planDeliveries } from "../../src/mail/plan-deliveries.js";
import type { Release } from "../../src/core/release.js";
import { composeOptions, makeRelease, makeSubscriber, makeTopic, snippetFor } from "../fixtures/mail/builders.js";
import { DEFAULT_DIGEST_SCHEDULE } from "../../src/config/schema.js";

const topic = makeTopic("asylum");
const alice = makeSubscriber("alice@example.org", [topic]);

function compose(release: Release, snippetText = `New asylum rules in ${release.title}.`) {
  const [d] = planDeliveries([{ release, revisionHash: "r1", isRevision: false, matches: [{ subscriber: alice, topic, snippet: snippetFor(snippetText, "asylum") }] }], new Date("2024-01-10T12:00:00Z"), DEFAULT_DIGEST_SCHEDULE);
  return composeAlert([d!], composeOptions);
}

describe("alert emails always carry a link", () => {
  it("a release without a URL (a dump release) links to its page on the server", () => {
    const { url: _url, ...release } = makeRelease(1);
    const message = compose(release);
    const page = `${composeOptions.baseUrl.replace(/\/+$/, "")}/releases/${encodeURIComponent(release.id)}`;
    expect(message.text).toContain(page);
    expect(message.html).toContain(`<a href="${page.replace(/&/g, "&amp;")}">`);
  });

  it("a release with a URL links to it", () => {
    const release = makeRelease(2, { url: "https://www.gov.uk/government/news/x" });
    const message = compose(release);
    expect(message.text).toContain("https://www.gov.uk/government/news/x");
    expect(message.text).not.toContain("/releases/");
  });
});

describe("release text in alerts", () => {
  it("has C0/C1 controls and bidi overrides/isolates stripped, keeping highlight offsets", () => {
    const hostile = "Asylum\u202Egnp.exe\u2066 rules\u0007\u0085 now";
    const release = makeRelease(3, { title: hostile, summary: `Summary ${hostile}` });
    const message = compose(release, `asylum\u202E claims ${hostile}`);
    for (const part of [message.subject, message.text, message.html]) expect(part).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
    expect(message.text).toContain("«asylum»");
    expect(stripUnsafeText("a\u202Db\u2069c\td\ne")).toBe("a b c\td\ne");
  });
});
