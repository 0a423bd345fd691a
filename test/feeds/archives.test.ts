import { describe, expect, it } from "vitest";
import {
  allFeedMeta,
  archiveFeedMeta,
  archiveMonths,
  archiveNeighbours,
  FH_NAMESPACE,
  releasesInMonth,
  renderAtomFeed,
} from "../../src/feeds/index.js";
import { allReleases } from "../fixtures/feeds/stored-releases.js";
import { type ParsedAtom, parseAtom, validateAtom } from "../helpers/validate-atom.js";

const site = { baseUrl: "http://localhost:8080/", title: "Pressroom", entries: 2, hubUrl: "https://hub.example/" };
const months = archiveMonths(allReleases);
const url = (name: string) => `http://localhost:8080/feeds/${name}.atom`;

/** All documents of the feed set, keyed by URL, as a reader backfilling would fetch them. */
function renderSet(): Map<string, string> {
  const docs = new Map<string, string>();
  docs.set(url("all"), renderAtomFeed(allFeedMeta(site, allReleases, months), allReleases));
  for (const month of months) {
    const releases = releasesInMonth(allReleases, month);
    docs.set(url(`archive/${month}`), renderAtomFeed(archiveFeedMeta(site, month, months, releases), releases));
  }
  return docs;
}

const linkOf = (feed: ParsedAtom, rel: string) => feed.links.find((l) => l.rel === rel)?.href;

describe("RFC 5005 monthly archives", () => {
  it("finds the months that have releases, oldest first", () => {
    expect(months).toEqual(["2023-08", "2023-09", "2023-10"]);
  });

  it.each([
    ["2023-08", { next: "2023-09" }],
    ["2023-09", { prev: "2023-08", next: "2023-10" }],
    ["2023-10", { prev: "2023-09" }],
    ["2023-07", { next: "2023-08" }],
    ["2023-12", { prev: "2023-10" }],
  ])("neighbours of %s", (month, expected) => {
    const { prev, next } = archiveNeighbours(months, month);
    expect({ ...(prev ? { prev } : {}), ...(next ? { next } : {}) }).toEqual(expected);
  });

  it("writes valid archive documents with fh:archive and current/prev/next links", async () => {
    const docs = renderSet();
    for (const [href, xml] of docs) {
      await validateAtom(xml);
      const feed = await parseAtom(xml);
      expect(linkOf(feed, "self")).toBe(href);
      if (href === url("all")) {
        expect(feed.archive).toBe(false);
        expect(linkOf(feed, "prev-archive")).toBe(url("archive/2023-10"));
        expect(linkOf(feed, "hub")).toBe("https://hub.example/");
      } else {
        expect(xml).toContain(`xmlns:fh="${FH_NAMESPACE}"`);
        expect(feed.archive).toBe(true);
        expect(linkOf(feed, "current")).toBe(url("all"));
        expect(linkOf(feed, "hub")).toBeUndefined();
      }
    }
    const august = await parseAtom(docs.get(url("archive/2023-08")) ?? "");
    expect(linkOf(august, "prev-archive")).toBeUndefined();
    expect(linkOf(august, "next-archive")).toBe(url("archive/2023-09"));
    const october = await parseAtom(docs.get(url("archive/2023-10")) ?? "");
    expect(linkOf(october, "prev-archive")).toBe(url("archive/2023-09"));
    expect(linkOf(october, "next-archive")).toBeUndefined();
  });

  it("lets a reader backfill every release by following prev-archive from the subscription feed", async () => {
    const docs = renderSet();
    const seen = new Set<string>();
    let href: string | undefined = url("all");
    let hops = 0;
    while (href && hops++ < 10) {
      const feed = await parseAtom(docs.get(href) ?? "");
      for (const entry of feed.entries) seen.add(entry.id);
      href = linkOf(feed, "prev-archive");
    }
    expect([...seen].sort()).toEqual(allReleases.map((r) => r.id).sort());
    expect(hops).toBe(4); // all + three months
  });

  it("keeps every entry of a month in its archive even past maxEntries", async () => {
    const october = releasesInMonth(allReleases, "2023-10");
    expect(october.length).toBeGreaterThan(site.entries);
    const feed = await parseAtom(renderAtomFeed(archiveFeedMeta(site, "2023-10", months, october), october));
    expect(feed.entries).toHaveLength(october.length);
  });

  it("marks a complete feed with fh:complete and refuses archive links on it", async () => {
    const meta = { ...allFeedMeta(site, allReleases, []), complete: true, maxEntries: undefined };
    const xml = renderAtomFeed(meta, allReleases);
    await validateAtom(xml);
    expect((await parseAtom(xml)).complete).toBe(true);
    expect(() => renderAtomFeed({ ...meta, prevArchive: url("archive/2023-10") }, [])).toThrow(/complete/);
  });
});
