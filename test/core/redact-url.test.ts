import { describe, expect, it } from "vitest";
import { redactUrl, redactUrls } from "../../src/core/redact-url.js";

describe("redactUrl", () => {
  it.each([
    ["https://user:secret@host/feed?token=abc", "https://***@host/feed?token=***"],
    ["https://host/feed?token=abc&page=2#top", "https://host/feed?token=***&page=***"],
    ["https://user@host/feed", "https://***@host/feed"],
    ["https://host/feed.atom", "https://host/feed.atom"],
    ["http://user:pw@[bad/feed?token=abc", "http://***@[bad/feed?token=***"],
  ])("%s → %s", (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it("redacts every URL inside a message and keeps the punctuation after it", () => {
    const text = "https://u:secret@a.test/x?token=abc: HTTP 500 (see http://b.test/?key=k1).";
    const out = redactUrls(text);
    expect(out).toBe("https://***@a.test/x?token=***: HTTP 500 (see http://b.test/?key=***).");
    expect(out).not.toContain("secret");
  });
});
