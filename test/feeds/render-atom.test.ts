import { afterEach, describe, expect, it, vi } from "vitest";
import { isPressroomError } from "../../src/core/errors.js";
import type { StoredRelease } from "../../src/core/release.js";
import { stripXmlInvalid } from "../../src/core/text.js";
import {
  allFeedMeta,
  archiveMonths,
  EMPTY_FEED_UPDATED,
  entryIdFor,
  type FeedMeta,
  kindFeedMeta,
  renderAtomFeed,
  renderHtmlBody,
  topicFeedMeta,
} from "../../src/feeds/index.js";
import { allReleases, boldTitle, hostile, noUrl, policeLetter, speech } from "../fixtures/feeds/stored-releases.js";
import { htmlToText, parseAtom, validateAtom } from "../helpers/validate-atom.js";

const site = { baseUrl: "http://localhost:8080", title: "Pressroom: Home Office releases", hubUrl: "https://hub.example/" };
const allMeta = allFeedMeta(site, allReleases, archiveMonths(allReleases));
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

describe("renderAtomFeed", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    ["all", allMeta, allReleases],
    ["kind", kindFeedMeta(site, "news-story", allReleases), allReleases.filter((r) => r.kind === "news-story")],
    ["topic", topicFeedMeta(site, { name: "police", query: "police & <protest>" }, [policeLetter, speech]), [policeLetter, speech]],
    ["empty", kindFeedMeta(site, "consultation", []), []],
    ["hostile only", kindFeedMeta(site, "news-story", [hostile]), [hostile]],
  ] as const)("writes a valid Atom document (%s feed)", async (_name, meta, releases) => {
    const xml = renderAtomFeed(meta, releases);
    expect(xml).not.toMatch(XML_INVALID);
    await validateAtom(xml);
    const parsed = await parseAtom(xml);
    expect(parsed.entries).toHaveLength(releases.length);
  });

  it("round-trips every entry field through rss-parser", async () => {
    const parsed = await parseAtom(renderAtomFeed(allMeta, allReleases));
    expect(parsed.id).toBe("tag:pressroom.invalid,2023:feeds/all");
    expect(parsed.title).toBe(site.title);
    expect(parsed.updated).toBe("2023-11-02T09:30:00.000Z");
    expect(parsed.links).toEqual([
      { rel: "alternate", href: "http://localhost:8080/" },
      { rel: "self", href: "http://localhost:8080/feeds/all.atom" },
      { rel: "hub", href: "https://hub.example/" },
      { rel: "prev-archive", href: "http://localhost:8080/feeds/archive/2023-10.atom" },
    ]);
    const byId = new Map(parsed.entries.map((e) => [e.id, e]));
    for (const release of allReleases) {
      const entry = byId.get(release.id);
      expect(entry, release.id).toBeDefined();
      if (!entry) continue;
      expect(entry.title).toBe(stripXmlInvalid(release.title));
      expect(entry.titleType).toBe("html");
      expect(entry.updated).toBe(new Date(release.updatedAt).toISOString());
      expect(entry.author).toBe(stripXmlInvalid(release.department).trim());
      expect(entry.categories).toEqual([{ term: release.kind, label: expect.any(String) }]);
      expect(entry.link).toBe(release.url ?? `${allMeta.releasePageBase}/releases/${encodeURIComponent(release.id)}`);
      expect(entry.links).toEqual([{ rel: "alternate", href: release.url ?? `${allMeta.releasePageBase}/releases/${encodeURIComponent(release.id)}` }]);
      expect(htmlToText(entry.summary ?? "")).toBe(stripXmlInvalid(release.summary));
      expect(entry.content).toBe(renderHtmlBody(release.body) || `<p>${release.summary}</p>`);
    }
  });

  it("shows markup in a title as literal text", async () => {
    const [entry] = (await parseAtom(renderAtomFeed(allMeta, [boldTitle]))).entries;
    expect(entry?.title).toBe("<b>bold</b> & co");
    expect(entry?.titleRaw).toBe("&lt;b&gt;bold&lt;/b&gt; &amp; co");
    expect(htmlToText(entry?.content ?? "")).toBe("1 < 2 && 3 > 2");
  });

  it("strips control characters and keeps hostile text as text", async () => {
    const xml = renderAtomFeed(allMeta, [hostile]);
    expect(xml).not.toContain("<script>");
    expect(xml).not.toMatch(XML_INVALID);
    const [entry] = (await parseAtom(xml)).entries;
    expect(entry?.title).toBe("Bad title ]]> <script>alert('x')</script> &amp; \"quotes\" 🚓");
    expect(htmlToText(entry?.summary ?? "")).toBe("Summary with ]]> twice ]]> and  & <b>tags</b> 😀");
    expect(entry?.content).toBe(
      "<p>&lt;script&gt;alert(1)&lt;/script&gt; ]]&gt;]]&gt;  form feed</p>\n<ul><li>item &lt;one&gt; &amp;</li><li>🇬🇧 flag ]]&gt;</li></ul>",
    );
    expect(entry?.author).toBe("Department for Science, Innovation & Technology");
    expect(entry?.link).toBe("https://example.gov.uk/news/hostile?a=1&b=2#frag");
  });

  it("gives an entry without URL a link to its release page, and content from its summary", async () => {
    const xml = renderAtomFeed(allMeta, [noUrl]);
    expect(xml).not.toContain("<link/>");
    const [entry] = (await parseAtom(xml)).entries;
    expect(entry?.links).toEqual([{ rel: "alternate", href: `${allMeta.releasePageBase}/releases/${encodeURIComponent(noUrl.id)}` }]);
    expect(entry?.content).toBe("<p>Only a summary here.</p>");
  });

  it("gives an entry without URL no link when the feed has no release-page base", async () => {
    const { releasePageBase: _base, ...meta } = allMeta;
    const xml = renderAtomFeed(meta, [noUrl]);
    expect(xml).not.toContain("<link/>");
    expect((await parseAtom(xml)).entries[0]?.links).toEqual([]);
  });

  it("uses London midnight of the date for published, or the source's instant", async () => {
    const parsed = await parseAtom(renderAtomFeed(allMeta, allReleases));
    const published = Object.fromEntries(parsed.entries.map((e) => [e.id, e.published]));
    // Written in London wall-clock time with its offset: the London date reads as itself.
    expect(published[policeLetter.id]).toBe("2023-10-30T00:00:00+00:00"); // GMT after 29 October
    expect(published[boldTitle.id]).toBe("2023-10-29T00:00:00+01:00"); // 29 October began in BST
    expect(published[noUrl.id]).toBe("2023-09-05T00:00:00+01:00");
    expect(published[speech.id]).toBe("2023-10-30T08:15:00+00:00");
    // Same instants as UTC.
    expect(new Date(published[boldTitle.id]!).toISOString()).toBe("2023-10-28T23:00:00.000Z");
  });

  it("orders entries newest first by date, then by updated", async () => {
    const parsed = await parseAtom(renderAtomFeed(allMeta, allReleases));
    expect(parsed.entries.map((e) => e.id)).toEqual([
      policeLetter.id, // 2023-10-30, updated 2 Nov
      speech.id, // 2023-10-30, updated 30 Oct
      boldTitle.id,
      hostile.id,
      noUrl.id,
      "tag:pressroom.invalid,2023-08-01:home-office/august-release",
    ]);
  });

  it("keeps the id and published date of a revised release and bumps updated", async () => {
    const [first, second] = policeLetter.revisions;
    if (!first || !second) throw new Error("fixture has two revisions");
    const before: StoredRelease = { ...policeLetter, ...first, updatedAt: first.recordedAt, revisions: [first] };
    const [old] = (await parseAtom(renderAtomFeed(allMeta, [before]))).entries;
    const [now] = (await parseAtom(renderAtomFeed(allMeta, [policeLetter]))).entries;
    expect(now?.id).toBe(old?.id);
    expect(now?.published).toBe(old?.published);
    expect(old?.updated).toBe("2023-10-30T12:00:00.000Z");
    expect(now?.updated).toBe("2023-11-02T09:30:00.000Z");
    expect(now?.content).toContain("<li>Protect communities</li>");
  });

  it("is byte-identical for the same input, whatever the clock or input order", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    const first = renderAtomFeed(allMeta, allReleases);
    const empty = renderAtomFeed(kindFeedMeta(site, "none", []), []);
    vi.setSystemTime(new Date("2031-06-15T12:34:56Z"));
    expect(renderAtomFeed(allMeta, [...allReleases].reverse())).toBe(first);
    expect(renderAtomFeed(kindFeedMeta(site, "none", []), [])).toBe(empty);
    expect(first).not.toMatch(/2030|2031/);
    expect(empty).toContain(`<updated>${EMPTY_FEED_UPDATED.toISOString()}</updated>`);
  });

  it("keeps only the newest maxEntries", async () => {
    const parsed = await parseAtom(renderAtomFeed({ ...allMeta, maxEntries: 2 }, allReleases));
    expect(parsed.entries.map((e) => e.id)).toEqual([policeLetter.id, speech.id]);
  });

  it("writes xml:lang, a generator and a feed author", () => {
    const xml = renderAtomFeed(allMeta, []);
    expect(xml).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">');
    expect(xml).toContain("<generator>Pressroom</generator>");
    expect(xml).toContain("<author>\n        <name>Pressroom</name>");
    expect(xml.endsWith("</feed>\n")).toBe(true);
  });

  it("keeps a literal &amp; in plain-text feed fields", async () => {
    const meta: FeedMeta = { ...allMeta, title: "Fish &amp; chips & <peas>", author: { name: "R&D" } };
    const xml = renderAtomFeed(meta, []);
    await validateAtom(xml);
    expect((await parseAtom(xml)).title).toBe("Fish &amp; chips & <peas>");
    expect(xml).toContain("<name>R&amp;D</name>");
  });

  it("rejects a feed URL that is not absolute with a config error", () => {
    expect.assertions(2);
    try {
      renderAtomFeed({ ...allMeta, selfUrl: "feeds/all.atom" }, []);
    } catch (error) {
      expect(isPressroomError(error, "CONFIG_INVALID")).toBe(true);
      expect((error as Error).message).toContain("feeds/all.atom");
    }
  });

  it("drops a release URL that is not an http(s) URL instead of throwing", async () => {
    const odd: StoredRelease = { ...noUrl, url: "javascript:alert(1)" };
    const xml = renderAtomFeed(allMeta, [odd]);
    await validateAtom(xml);
    expect(xml).not.toContain("javascript:");
  });

  it.each([
    ["tag:pressroom.invalid,2023-10-30:home-office/x", "tag:pressroom.invalid,2023-10-30:home-office/x"],
    ["https://www.gov.uk/government/news/x", "https://www.gov.uk/government/news/x"],
    ["not a uri", expect.stringMatching(/^tag:pressroom\.invalid,2023:release\/[0-9a-f]{16}$/)],
  ])("writes entry id %s as a URI", (id, expected) => {
    expect(entryIdFor(id)).toEqual(expected);
  });

  it("renders an entry whose id is not a URI (feed would throw) under a stable tag: id", async () => {
    const odd = { ...speech, id: "home-office speech 1" };
    const xml = renderAtomFeed(allMeta, [odd]);
    await validateAtom(xml);
    expect((await parseAtom(xml)).entries[0]?.id).toBe(entryIdFor("home-office speech 1"));
  });

  it("matches the golden file", async () => {
    await expect(renderAtomFeed(allMeta, [policeLetter, noUrl])).toMatchFileSnapshot("../fixtures/feeds/golden-all.atom");
  });
});
