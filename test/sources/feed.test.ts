import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { canonicalId } from "../../src/core/ids.js";
import { memoryLogger } from "../../src/core/logger.js";
import type { SourceContext, SourceCursor, SourceResult } from "../../src/core/source.js";
import { feedAdapter } from "../../src/sources/feed.js";
import { parseFeed } from "../../src/sources/feed-parse.js";
import { createHttpFetcher } from "../../src/sources/http-fetch.js";
import { startFixtureServer } from "../helpers/fixture-server.js";
import type { FixtureServer } from "../helpers/fixture-server.js";
import { failure } from "../helpers/failure.js";

const root = fileURLToPath(new URL("../fixtures/live/", import.meta.url));
let server: FixtureServer;

beforeEach(async () => {
  server = await startFixtureServer({ root });
});
afterEach(async () => {
  await server.close();
});

function context(cursor: SourceCursor = {}, timeoutMs = 5000): SourceContext {
  return {
    http: createHttpFetcher({ timeoutMs, sleep: async () => {} }),
    clock: fixedClock("2024-04-02T12:00:00Z"),
    log: memoryLogger(),
    baseDir: root,
    cursor,
  };
}

function read(path: string, extra: { kinds?: string[]; department?: string } = {}, cursor?: SourceCursor, timeoutMs?: number): Promise<SourceResult> {
  return feedAdapter.read(
    { id: "test-feed", type: "feed", url: server.url(path), department: extra.department ?? "Home Office", ...(extra.kinds ? { kinds: extra.kinds } : {}) },
    context(cursor, timeoutMs),
  );
}


describe("GOV.UK organisation feed", () => {
  const path = "/government/organisations/home-office.atom";
  beforeEach(() => server.route(path, { file: "govuk-organisation-home-office.atom", etag: '"org-1"' }));

  it("keeps news kinds, strips the display-type prefix into the kind, and drops guidance, data and policy papers", async () => {
    const result = await read(path);
    expect(result.status).toBe("ok");
    expect(result.warnings).toEqual([]);
    expect(result.items.map((i) => [i.release.kind, i.release.title])).toEqual([
      ["press-release", "New measures to tackle knife crime"],
      ["speech", "Home Secretary\u2019s speech to the Police Federation"],
      ["news-story", "Border Force seizes record haul at Dover"],
      ["oral-statement", "Illegal migration update"],
    ]);
  });

  it("keys items on the URL, not the timestamped entry id", async () => {
    const [first] = (await read(path)).items;
    expect(first?.sourceItemId).toBe("https://www.gov.uk/government/news/new-measures-to-tackle-knife-crime");
    expect(first?.url).toBe("https://www.gov.uk/government/news/new-measures-to-tackle-knife-crime");
    expect(first?.release.url).toBe("https://www.gov.uk/government/news/new-measures-to-tackle-knife-crime");
  });

  it("gives a release at 00:01 BST on 1 April (23:01 UTC on 31 March) the London date 1 April", async () => {
    const [first] = (await read(path)).items;
    expect(first?.release).toMatchObject({
      date: "2024-04-01",
      publishedAt: "2024-03-31T23:01:00.000Z",
      department: "Home Office",
      id: canonicalId("Home Office", "2024-04-01", "New measures to tackle knife crime"),
      summary: "Tougher sentences and new powers for police to seize machetes and zombie-style knives.",
      body: [
        { type: "paragraph", text: "Police will get new powers to seize and destroy bladed weapons." },
        { type: "list", items: ["a ban on zombie-style knives", "tougher sentences for sellers"] },
      ],
    });
  });

  it("dates by publication, not by the last update", async () => {
    const speech = (await read(path)).items[1]?.release;
    expect(speech?.date).toBe("2024-03-28");
    expect(speech?.summary).toBe("The Home Secretary spoke about neighbourhood policing & public confidence.");
  });

  it("keeps only configured kinds when kinds are given", async () => {
    const result = await read(path, { kinds: ["Guidance", "speech"] });
    expect(result.items.map((i) => i.release.kind)).toEqual(["guidance", "speech"]);
  });

  it("does a conditional-GET round trip: stores the ETag, sends it back, and reports not-modified on 304", async () => {
    const first = await read(path);
    expect(first.cursor).toEqual({ validators: { [server.url(path)]: { etag: '"org-1"' } } });
    const second = await read(path, {}, first.cursor);
    expect(second).toEqual({ status: "not-modified", items: [], cursor: first.cursor, warnings: [] });
    expect(server.requests[1]?.headers["if-none-match"]).toBe('"org-1"');
    expect(server.requests[1]?.status).toBe(304);
  });
});

describe("GOV.UK finder feed", () => {
  const path = "/search/news-and-communications.atom";
  beforeEach(() => server.route(path, { file: "govuk-finder-news-home-office.atom" }));

  it("uses the stable tag: ids and dates entries from updated (there is no published)", async () => {
    const result = await read(`${path}?organisations%5B%5D=home-office`);
    expect(server.requests[0]?.url).toBe(`${path}?organisations%5B%5D=home-office`);
    expect(result.items.map((i) => [i.sourceItemId, i.release.date, i.release.kind])).toEqual([
      ["tag:www.gov.uk,2005:/government/news/new-measures-to-tackle-knife-crime", "2024-04-02", "news"],
      ["tag:www.gov.uk,2005:/government/speeches/home-secretary-speech-to-the-police-federation", "2024-03-29", "speech"],
      ["tag:www.gov.uk,2005:/government/news/border-force-seizes-record-haul-at-dover", "2024-03-27", "news"],
    ]);
    const first = result.items[0]!;
    expect(first.url).toBe("https://www.gov.uk/government/news/new-measures-to-tackle-knife-crime");
    expect(first.release.title).toBe("New measures to tackle knife crime");
    expect(first.release.publishedAt).toBeUndefined();
    expect(result.items[1]?.release.summary).toBe("The Home Secretary spoke about neighbourhood policing & public confidence.");
  });
});

describe("UKPOL WordPress feed", () => {
  const path = "/tag/home-office/feed/";
  beforeEach(() => server.route(path, { file: "ukpol-home-office.rss" }));

  it("takes department and date from the italic issued line, not from the repost pubDate", async () => {
    const [letter] = (await read(path)).items;
    expect(letter?.release).toMatchObject({
      title: "Home Secretary\u2019s letter to police on protests & marches",
      kind: "press-release",
      department: "Home Office",
      date: "2023-10-30",
      summary: "The Home Secretary has written to chief constables about protests and marches.",
      url: "https://www.ukpol.co.uk/press-release-home-secretarys-letter-to-police-on-protests-marches-october-2023",
    });
    expect(letter?.release.publishedAt).toBeUndefined();
    expect(letter?.sourceItemId).toBe("https://www.ukpol.co.uk/?p=367251");
    expect(letter?.release.id).toBe(canonicalId("Home Office", "2023-10-30", "Home Secretary\u2019s letter to police on protests & marches"));
    expect(letter?.release.body).toEqual([
      { type: "paragraph", text: "The Home Secretary has written to chief constables about protests and marches." },
      { type: "paragraph", text: "Dear Chief Constable," },
      { type: "paragraph", text: "I am writing to you about the policing of protests. I expect you to use the full force of the law:" },
      { type: "list", items: ["against hate crime", "against intimidation & harassment"] },
      { type: "paragraph", text: "Yours sincerely, Home Secretary" },
    ]);
  });

  it("decodes entities left in titles, strips LABEL prefixes and [Month Year] suffixes", async () => {
    const items = (await read(path)).items;
    expect(items.map((i) => [i.release.kind, i.release.title])).toEqual([
      ["press-release", "Home Secretary\u2019s letter to police on protests & marches"],
      ["speech", "Suella Braverman\u2019s speech at the Conservative Party Conference"],
      ["press-release", "New sentencing powers for prison officers\u2019 assaults"],
      ["news", "Home Office statement on the Bibby Stockholm barge"],
    ]);
  });

  it("keeps the issuing department when another department's release is tagged, and the configured one for a speech", async () => {
    const items = (await read(path)).items;
    expect(items[1]?.release).toMatchObject({ department: "Home Office", date: "2023-10-03" });
    expect(items[2]?.release).toMatchObject({ department: "Ministry of Justice", date: "2023-10-27" });
  });

  it("falls back to the GMT pubDate in London time when there is no issued line", async () => {
    const barge = (await read(path)).items[3]?.release;
    expect(barge).toMatchObject({ date: "2024-04-01", publishedAt: "2024-03-31T23:30:00.000Z", summary: "A statement on the barge." });
  });
});

describe("feed failures", () => {
  it("skips only the entry with a bad date, with a warning, and keeps the rest", async () => {
    server.route("/bad-date.atom", { file: "govuk-organisation-bad-date.atom" });
    const result = await read("/bad-date.atom");
    expect(result.items.map((i) => i.release.title)).toEqual([
      "New measures to tackle knife crime",
      "Border Force seizes record haul at Dover",
      "Illegal migration update",
    ]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain("Home Secretary\u2019s speech to the Police Federation");
    expect(result.warnings[0]).toMatch(/is not a date; skipped/);
  });

  it("salvages a truncated feed: the complete entry is kept, the cut-off one skipped with a warning", async () => {
    server.route("/malformed.atom", { file: "malformed.atom" });
    const result = await read("/malformed.atom");
    expect(result.items.map((i) => i.release.title)).toEqual(["New measures to tackle knife crime"]);
    expect(result.warnings).toEqual([
      `${server.url("/malformed.atom")}: entry 2 "Home Secretary\u2019s speech to the Police Federation": cut off by the end of the document; skipped`,
    ]);
  });

  it.each([
    ["text/html content type", "text/html; charset=utf-8"],
    ["an HTML body served as XML", "application/xml"],
  ])("fails with FEED_MALFORMED on an HTML error page (%s)", async (_label, contentType) => {
    server.route("/error.atom", { file: "error-page.html", contentType });
    const error = await failure(read("/error.atom"));
    expect(error.code).toBe("FEED_MALFORMED");
    expect(error.message).toContain("returned an HTML page, not a feed");
  });

  it("still reads a real feed its server mislabels as text/html", async () => {
    server.route("/mislabelled.atom", { file: "govuk-finder-news-home-office.atom", contentType: "text/html; charset=utf-8" });
    expect((await read("/mislabelled.atom")).items).toHaveLength(3);
  });

  it("fails with FETCH_HTTP on a 500", async () => {
    server.route("/down.atom", { status: 500, body: "Internal Server Error" });
    expect(await failure(read("/down.atom"))).toEqual({ code: "FETCH_HTTP", message: `${server.url("/down.atom")}: HTTP 500` });
  });

  it("fails with FETCH_TIMEOUT on a hang", async () => {
    server.route("/hang.atom", { hang: true });
    expect((await failure(read("/hang.atom", {}, {}, 200))).code).toBe("FETCH_TIMEOUT");
  });

  it("reads a gzipped feed", async () => {
    server.route("/gz.atom", { file: "govuk-organisation-home-office.atom", gzip: true });
    const result = await read("/gz.atom");
    expect(server.requests[0]?.gzipped).toBe(true);
    expect(result.items).toHaveLength(4);
  });

  it("keeps a colon title on a site that is not GOV.UK (no GOV.UK type prefix, no filtering)", async () => {
    const xml = `<?xml version="1.0"?><rss version="2.0"><channel><title>c</title><link>https://example.org/</link><description>d</description>
      <item><title>Statistics: crime falls again</title><link>https://example.org/news/crime-falls</link><guid>https://example.org/?p=1</guid><pubDate>Mon, 30 Oct 2023 09:00:00 GMT</pubDate><description>Crime fell.</description></item></channel></rss>`;
    server.route("/other.rss", { body: xml, contentType: "application/rss+xml" });
    const result = await read("/other.rss");
    expect(result.items.map((i) => i.release.title)).toEqual(["Statistics: crime falls again"]);
  });

  it.each([
    ["pretty-printed", "<updated>\n      2024-04-02T10:00:00+01:00\n    </updated>"],
    ["CDATA", "<updated><![CDATA[2024-04-02T10:00:00+01:00]]></updated>"],
  ])("reads a %s date instead of failing the whole feed", async (_what, updated) => {
    const xml = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>tag:x,2024:f</id><title>t</title><updated>2024-04-02T10:00:00Z</updated>
      <entry><id>tag:www.gov.uk,2005:/government/news/a</id><title>A release</title>${updated}<link rel="alternate" href="https://www.gov.uk/government/news/a"/><summary>s</summary></entry>
      <entry><id>tag:www.gov.uk,2005:/government/news/b</id><title>B release</title><updated><![CDATA[junk]]></updated><link rel="alternate" href="https://www.gov.uk/government/news/b"/><summary>s</summary></entry></feed>`;
    const parsed = parseFeed(xml, "http://127.0.0.1/feed.atom");
    const a = parsed.entries.find((e) => e.title === "A release");
    expect(a?.updated).toBe("2024-04-02T10:00:00+01:00");
    expect(parsed.entries.find((e) => e.title === "B release")?.badDate).toBe("junk");
  });
});
