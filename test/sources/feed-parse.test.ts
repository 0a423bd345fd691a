import { describe, expect, it } from "vitest";
import { PressroomError } from "../../src/core/errors.js";
import { parseFeed } from "../../src/sources/feed-parse.js";

const URL_ = "https://example.org/feed.rss";
const item = (n: number, inner = ""): string =>
  `<item><title>Item ${n}</title><link>https://example.org/${n}</link><pubDate>Mon, 30 Oct 2023 09:00:00 GMT</pubDate>${inner}</item>`;
const rss = (items: string): string => `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>${items}</channel></rss>`;

function thrown(run: () => unknown): PressroomError {
  try {
    run();
  } catch (error) {
    if (error instanceof PressroomError) return error;
    throw error;
  }
  throw new Error("did not throw");
}

describe("parseFeed", () => {
  it("stops reading at absurd nesting and keeps the entries before it", () => {
    const deep = `${"<x>".repeat(400)}deep${"</x>".repeat(400)}`;
    const started = Date.now();
    const parsed = parseFeed(rss(item(1) + item(2, `<description>${deep}</description>`) + item(3)), URL_);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(parsed.entries.map((e) => e.title)).toEqual(["Item 1"]);
    expect(parsed.warnings).toEqual(['entry 2 "Item 2": cut off by elements nested deeper than 256 levels; skipped']);
  });

  it("fails when absurd nesting comes before any entry", () => {
    const error = thrown(() => parseFeed(rss(`${"<x>".repeat(300)}${item(1)}`), URL_));
    expect(error.code).toBe("FEED_MALFORMED");
    expect(error.message).toBe(`${URL_}: not a feed: elements nest deeper than 256 levels inside <x> before any complete entry`);
  });

  it.each([
    ["an empty body", "", "no elements at all (the document is empty or is not XML)"],
    ["JSON", '{"items": []}', "no elements at all (the document is empty or is not XML)"],
  ])("fails on %s with a reason", (_what, text, reason) => {
    expect(thrown(() => parseFeed(text, URL_)).message).toBe(`${URL_}: not a feed: ${reason}`);
  });

  it("accepts a well-formed feed with no entries (nothing to salvage is not an error)", () => {
    expect(parseFeed(rss(""), URL_)).toEqual({ format: "rss", entries: [], warnings: [] });
  });

  it("keeps a date's text as written and reports the first unreadable one only when no other reads", () => {
    const parsed = parseFeed(
      rss(
        `<item><title>A</title><pubDate>soon</pubDate><dc:date xmlns:dc="http://purl.org/dc/elements/1.1/">2023-10-30</dc:date></item>` +
          `<item><title>B</title><pubDate>soon</pubDate></item>`,
      ),
      URL_,
    );
    expect(parsed.entries).toEqual([
      { title: "A", pubDate: "2023-10-30" },
      { title: "B", badDate: "soon" },
    ]);
  });

  it("takes the RSS 1.0 rdf:about as the id and a permalink guid as the link", () => {
    const parsed = parseFeed(rss(`<item><title>G</title><guid>https://example.org/g?a=1&amp;b=2</guid></item>`), URL_);
    expect(parsed.entries[0]).toMatchObject({ id: "https://example.org/g?a=1&b=2", link: "https://example.org/g?a=1&b=2" });
    const rdf = parseFeed(
      `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><item rdf:about="https://example.org/r"><title>R</title></item></rdf:RDF>`,
      URL_,
    );
    expect(rdf.entries[0]).toMatchObject({ id: "https://example.org/r", title: "R" });
  });

  it("ignores an item's guid as a link when it is not a permalink", () => {
    const parsed = parseFeed(rss(`<item><title>G</title><guid isPermaLink="false">https://example.org/p</guid></item>`), URL_);
    expect(parsed.entries[0]?.link).toBeUndefined();
  });
});
