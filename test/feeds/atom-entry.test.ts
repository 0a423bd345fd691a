import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Block, StoredRelease } from "../../src/core/release.js";
import { archiveFeedMeta, allFeedMeta, feedIdFor, renderAtomFeed } from "../../src/feeds/index.js";
import { storedRelease } from "../fixtures/feeds/stored-releases.js";
import { renderAtomFeedWithFeedPackage } from "../helpers/reference-atom.js";

const site = { title: "Pressroom", baseUrl: "http://localhost:8080/", entries: 50 };

// Any code unit (lone surrogates, controls, `]]>`, `&amp;`, quotes), and text that looks like markup.
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom("", " ", "A & B &amp; C", "<b>x</b> ]]> \"q\" 'a'", "Café – “quoted” ’s", "\u202Eevil\u0007"),
);
const block: fc.Arbitrary<Block> = fc.oneof(
  text.map((t) => ({ type: "paragraph" as const, text: t })),
  fc.array(text, { maxLength: 3 }).map((items) => ({ type: "list" as const, items })),
);
const url = fc.option(fc.constantFrom("https://www.gov.uk/government/news/a?b=1&c=2", "http://example.org/a\"b", "ftp://x/y", "not a url", "https://EXAMPLE.org:443/ü"), { nil: undefined });
const id = fc.constantFrom("tag:pressroom.invalid,2024-01-01:home-office/a", "https://www.gov.uk/x?a=1&b=<2>", "not a uri", "urn:uuid:1234");
const instant = fc.constantFrom("2024-03-31T00:30:00.000Z", "2024-03-31T01:30:00.000Z", "2023-10-29T00:59:59.000Z", "2023-10-29T01:00:00.000Z", "2024-07-01T12:00:00.000Z", "not a date");
const day = fc.constantFrom("2024-01-01", "2024-03-31", "2023-10-29", "2024-07-15", "bad");
const kind = fc.constantFrom("press-release", "speech", "news-story", "policy paper", "A & \"B\"");

const release: fc.Arbitrary<StoredRelease> = fc
  .record({ id, title: text, summary: text, department: text, body: fc.array(block, { maxLength: 3 }), url, at: instant, date: day, kind, publishedAt: fc.option(instant, { nil: undefined }) })
  .map((r) => {
    const base = storedRelease({ id: r.id, kind: r.kind, department: r.department, date: r.date, versions: [{ at: r.at, title: r.title, summary: r.summary, body: r.body }] });
    return { ...base, ...(r.url === undefined ? {} : { url: r.url }), ...(r.publishedAt === undefined ? {} : { publishedAt: r.publishedAt }) };
  });

describe("renderAtomFeed prints exactly what the feed package prints", () => {
  it("for arbitrary releases, with and without release pages, archive links and an entry cap", () => {
    fc.assert(
      fc.property(fc.array(release, { maxLength: 5 }), fc.boolean(), fc.constantFrom("all", "archive", "plain"), (releases, pages, shape) => {
        const base = { id: feedIdFor("all"), title: "T & <x>", selfUrl: "http://localhost:8080/feeds/all.atom", updated: new Date("2024-01-01T00:00:00Z") };
        const meta =
          shape === "all" ? { ...allFeedMeta(site, releases, ["2023-10", "2024-01"]), ...(pages ? {} : { releasePageBase: undefined }) }
          : shape === "archive" ? archiveFeedMeta(site, "2024-01", ["2023-10", "2024-01", "2024-03"], releases)
          : { ...base, maxEntries: 3, ...(pages ? { releasePageBase: "http://localhost:8080/" } : {}) };
        const clean = Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined)) as typeof meta;
        expect(renderAtomFeed(clean, releases)).toBe(renderAtomFeedWithFeedPackage(clean, releases));
      }),
      { numRuns: 300, seed: 20261202 },
    );
  });

  it("for an empty feed", () => {
    const meta = allFeedMeta(site, [], []);
    expect(renderAtomFeed(meta, [])).toBe(renderAtomFeedWithFeedPackage(meta, []));
  });
});
