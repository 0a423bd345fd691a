/**
 * Feeds as the real web writes them, one small fixture per class of oddity (test/fixtures/feeds-real/),
 * each read through the feed adapter from a loopback server with the release fields asserted.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { memoryLogger } from "../../src/core/logger.js";
import type { Release } from "../../src/core/release.js";
import type { SourceResult } from "../../src/core/source.js";
import { feedAdapter } from "../../src/sources/feed.js";
import { createHttpFetcher } from "../../src/sources/http-fetch.js";
import { failure } from "../helpers/failure.js";
import { startFixtureServer } from "../helpers/fixture-server.js";
import type { FixtureServer } from "../helpers/fixture-server.js";

const root = fileURLToPath(new URL("../fixtures/feeds-real/", import.meta.url));
let server: FixtureServer;

beforeAll(async () => {
  server = await startFixtureServer({ root });
});
afterAll(async () => {
  await server.close();
});

/** Serves a fixture (by default with no charset in its Content-Type) and reads it as a feed source. */
function read(file: string, contentType = "application/xml"): Promise<SourceResult> {
  const path = `/${file}`;
  server.route(path, { file, contentType });
  return feedAdapter.read(
    { id: "real", type: "feed", url: server.url(path), department: "Home Office" },
    { http: createHttpFetcher({ timeoutMs: 5000, sleep: async () => {} }), clock: fixedClock("2024-04-02T12:00:00Z"), log: memoryLogger(), baseDir: root, cursor: {} },
  );
}

type Expected = Partial<Release> & { readonly url?: string };

async function releases(file: string, contentType?: string): Promise<Release[]> {
  const result = await read(file, contentType);
  expect(result.warnings).toEqual([]);
  return result.items.map((i) => i.release);
}

function pickFields(release: Release, expected: Expected): Partial<Release> {
  return Object.fromEntries(Object.keys(expected).map((k) => [k, release[k as keyof Release]]));
}

describe("regular expressions no longer edit the XML", () => {
  it("reads a GOV.UK-shaped feed whose header comment mentions <published>", async () => {
    const result = await read("comment-mentions-published.atom");
    expect(result.warnings).toEqual([]);
    expect(result.items).toHaveLength(1);
    expect(result.items[0]).toMatchObject({
      sourceItemId: "https://www.gov.uk/government/news/visa-fees-review",
      version: "https://www.gov.uk/government/news/visa-fees-review#2024-04-02T10:30:00+01:00",
      release: {
        title: "Visa fees review", kind: "press-release", date: "2024-04-02", publishedAt: "2024-04-02T09:30:00.000Z",
        summary: "A review of visa fees.", url: "https://www.gov.uk/government/news/visa-fees-review",
      },
    });
  });

  it("leaves CDATA text that looks like a date element alone", async () => {
    const [release] = await releases("cdata-updated-in-body.atom");
    expect(release).toMatchObject({ title: "Markup in a CDATA body", date: "2024-04-02" });
    expect(release?.summary).toBe("Write <updated>tomorrow</updated> as tomorrow & see.");
  });

  it("reports a bad date once-decoded, names the entry and keeps the others", async () => {
    const result = await read("bad-date-escaped.atom");
    expect(result.items.map((i) => i.release.title)).toEqual(["Well dated"]);
    expect(result.warnings).toEqual([
      `${server.url("/bad-date-escaped.atom")}: entry "Badly dated" (https://example.org/news/bad): date "x & y" is not a date; skipped`,
    ]);
  });
});

describe("one odd entry or character no longer costs the whole source", () => {
  it.each<[string, Expected[]]>([
    ["raw-ampersand-link.rss", [
      { title: "Search results", url: "https://example.org/search?q=knife&page=2", summary: "Crime & policing.", date: "2023-10-30" },
      { title: "Second item", url: "https://example.org/two" },
    ]],
    ["atom-link-text.atom", [{ title: "A link with no attributes", url: "https://example.org/news/link-text", publishedAt: "2024-04-02T08:00:00.000Z" }]],
    ["rss-no-version.rss", [{ title: "Versionless", date: "2023-11-01", summary: "Still RSS.", url: "https://example.org/versionless" }]],
    ["rss10-prefixed.rdf", [{ title: "Prefixed item", date: "2023-11-02", publishedAt: "2023-11-02T09:00:00.000Z", summary: "All elements carry a prefix.", url: "https://example.org/prefixed" }]],
    ["doctype-entity.rss", [{ title: "Home Office announces a review", summary: "Text \u00A9 Home Office.", date: "2023-11-02" }]],
  ])("%s", async (file, expected) => {
    const got = await releases(file);
    expect(got.map((r, i) => pickFields(r, expected[i] ?? {}))).toEqual(expected);
  });

  it("reads a feed behind a PHP warning printed before the XML declaration", async () => {
    expect((await releases("leading-junk.rss")).map((r) => [r.title, r.url])).toEqual([["After a PHP warning", "https://example.org/php"]]);
  });

  it("keeps the structure of HTML a feed put in a description without escaping it", async () => {
    const [release] = await releases("unescaped-html-description.rss");
    expect(release).toMatchObject({
      summary: "First & foremost. one two",
      body: [{ type: "paragraph", text: "Body para." }, { type: "paragraph", text: "Second line." }],
    });
  });

  it("keeps the entries around a broken one and names what it skipped", async () => {
    const result = await read("broken-entry.rss");
    expect(result.items.map((i) => [i.release.title, i.release.summary])).toEqual([
      ["Before the broken one", "Fine."],
      ["Unclosed description", "Starts bold"],
      ["After the broken one", ""],
    ]);
    expect(result.warnings).toEqual([`${server.url("/broken-entry.rss")}: entry "Undated" (https://example.org/undated): no date; skipped`]);
  });

  it("salvages UTF-16 and UTF-32 bodies, with or without a byte-order mark", async () => {
    expect((await releases("utf16le-bom.rss")).map((r) => [r.title, r.summary])).toEqual([["UTF-16 caf\u00e9 \u2019quoted\u2019", "\u20ac"]]);
    expect((await releases("utf16be-no-bom.rss")).map((r) => r.title)).toEqual(["UTF-16BE caf\u00e9"]);
    expect((await releases("utf32le-bom.rss")).map((r) => r.title)).toEqual(["UTF-32 caf\u00e9"]);
  });
});

describe("dates", () => {
  it.each<[string, Expected[]]>([
    ["rdf-dc-date.rdf", [
      { title: "First RDF item", date: "2023-11-03", publishedAt: "2023-11-03T09:00:00.000Z", url: "https://example.org/rdf-1" },
      { title: "Second RDF item", date: "2023-11-04", publishedAt: "2023-11-04T00:00:00.000Z" },
    ]],
    ["zone-names.rss", [
      { title: "BST item", date: "2023-10-02", publishedAt: "2023-10-01T23:30:00.000Z" },
      { title: "CEST item", publishedAt: "2023-10-02T07:00:00.000Z" },
      { title: "MET item", publishedAt: "2023-10-30T08:00:00.000Z" },
      { title: "AT item", date: "2023-10-31", publishedAt: "2023-10-31T01:00:00.000Z" },
      { title: "ET item", publishedAt: "2023-10-30T14:00:00.000Z" },
    ]],
    ["cms-dates.rss", [
      { title: "Drupal date", date: "2017-12-22", publishedAt: "2017-12-22T15:09:00.000Z" },
      { title: "Ordinal date", date: "2023-06-23", publishedAt: "2023-06-23T09:32:20.000Z" },
    ]],
    ["atom03.atom", [{ title: "Old Atom entry", date: "2023-11-05", publishedAt: "2023-11-05T08:00:00.000Z", summary: "An escaped summary.", url: "https://example.org/atom03" }]],
    ["dcterms-dates.rss", [
      { title: "Created and modified", date: "2023-11-06", publishedAt: "2023-11-06T08:00:00.000Z" },
      { title: "Modified only", date: "2023-11-08", publishedAt: undefined },
    ]],
    // 23:30 with no zone is 23:30 UTC, which is already 2 July in London (BST).
    ["zoneless-time.atom", [{ title: "No zone on the time", date: "2024-07-02", publishedAt: "2024-07-01T23:30:00.000Z" }]],
  ])("%s", async (file, expected) => {
    const got = await releases(file);
    expect(got.map((r, i) => pickFields(r, expected[i] ?? {}))).toEqual(expected);
  });
});

describe("charsets", () => {
  const cp1252 = "Home Secretary\u2019s \u201creview\u201d \u2013 \u20ac5m for caf\u00e9s";
  it.each([
    ["windows-1252.rss", "application/rss+xml", cp1252],
    ["iso-8859-1-prolog-cp1252-bytes.rss", "application/rss+xml", cp1252],
    ["http-charset-windows-1252.rss", "application/rss+xml; charset=windows-1252", cp1252],
    // A server that claims UTF-8 for windows-1252 bytes: the prolog is believed instead.
    ["windows-1252.rss", "application/rss+xml; charset=utf-8", cp1252],
    ["utf8-under-latin1-prolog.rss", "application/rss+xml", "Caf\u00e9 culture \u2013 a review"],
    ["char-refs-c1.rss", "application/rss+xml", "It\u2019s a \u201creview\u201d \u2013 costing \u20ac5m"],
  ])("%s served as %s", async (file, contentType, title) => {
    const [release] = await releases(file, contentType);
    expect(release?.title).toBe(title);
    expect(release?.title).not.toMatch(/[\u0080-\u009f]|\u00c3/);
  });

  it("decodes the windows-1252 description too", async () => {
    const [release] = await releases("windows-1252.rss");
    expect(release?.summary).toBe("Caf\u00e9 \u2014 na\u00efve");
  });
});

describe("links", () => {
  it("resolves Atom links against xml:base (feed and entry) and trims the href", async () => {
    expect((await releases("relative-links.atom")).map((r) => r.url)).toEqual([
      "https://example.org/news/2024/relative-one",
      "https://example.org/press/relative-two",
      "https://example.org/spaced",
    ]);
  });

  it("resolves RSS links against the channel link, and keeps a link written on its own lines", async () => {
    expect((await releases("relative-links.rss")).map((r) => r.url)).toEqual([
      "https://example.org/site/articles/one",
      "https://example.org/site/articles/two",
    ]);
  });

  it("resolves against the document's URL when nothing else is given", async () => {
    expect((await releases("relative-to-document.rss")).map((r) => r.url)).toEqual([server.url("/posts/three")]);
  });
});

describe("titles and content", () => {
  it("decodes WordPress's &#038; and double-escaped references exactly once", async () => {
    const got = await releases("wordpress-titles.rss");
    expect(got.map((r) => [r.title, r.summary])).toEqual([
      ["Fraud strategy update: \u2018Stop, check & report\u2019 campaign relaunched", "Stop & check."],
      ["Minister\u2019s statement & Q&A", ""],
    ]);
  });

  it("reads xhtml and html titles as clean text and escapes text content instead of parsing it", async () => {
    const [xhtml, html, text] = await releases("atom-text-types.atom");
    expect(xhtml).toMatchObject({
      title: "Example XHTML & more",
      body: [{ type: "paragraph", text: "First para." }, { type: "list", items: ["one", "two"] }],
    });
    expect(html?.title).toBe("Example Atom & more");
    expect(text).toMatchObject({
      title: "Use <b> for bold &amp; more",
      summary: "Tags like <p> are text here.",
      body: [
        { type: "paragraph", text: "Tags like <p> are text here." },
        { type: "paragraph", text: "A second paragraph & an ampersand." },
      ],
    });
  });

  it("decodes HTML entities the feed never declared, with the full table", async () => {
    const [release] = await releases("undeclared-html-entities.rss");
    expect(release).toMatchObject({ title: "\u00c9cole and \u00c6sop \u2013 \u00e9t\u00e9", summary: "Caf\u00e9 & bar" });
  });
});

describe("a source fails as a whole only when nothing feed-like can be read", () => {
  const unreadable: Readonly<Record<string, (url: string) => string>> = {
    "truncated-before-entry.atom": (url) => `${url}: not a feed: the document ends inside <summary> before any complete entry (a truncated download?)`,
    "not-a-feed.xml": (url) => `${url}: not a feed: no <rss>, <feed> or <rdf:RDF> element (the document is <response>)`,
  };

  it.each(readdirSync(root).sort())("%s", async (file) => {
    const url = server.url(`/${file}`);
    const why = unreadable[file];
    if (why) {
      expect(await failure(read(file))).toEqual({ code: "FEED_MALFORMED", message: why(url) });
    } else {
      const result = await read(file);
      expect(result.status).toBe("ok");
      expect(result.items.length).toBeGreaterThan(0);
    }
  });
});
