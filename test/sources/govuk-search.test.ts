import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { canonicalId } from "../../src/core/ids.js";
import { memoryLogger } from "../../src/core/logger.js";
import type { SourceContext, SourceCursor, SourceResult } from "../../src/core/source.js";
import { createGovukSearchAdapter } from "../../src/sources/govuk-search.js";
import { createHttpFetcher } from "../../src/sources/http-fetch.js";
import { startFixtureServer } from "../helpers/fixture-server.js";
import type { FixtureServer } from "../helpers/fixture-server.js";
import { failure } from "../helpers/failure.js";

const root = fileURLToPath(new URL("../fixtures/live/", import.meta.url));
const SEARCH = "/api/search.json";
const SLUGS = {
  "/government/news/new-measures-to-tackle-knife-crime": "new-measures-to-tackle-knife-crime",
  "/government/speeches/home-secretary-speech-to-the-police-federation": "home-secretary-speech-to-the-police-federation",
  "/government/news/border-force-seizes-record-haul-at-dover": "border-force-seizes-record-haul-at-dover",
};

let server: FixtureServer;
let slept: number[];
let clockMs: number;

beforeEach(async () => {
  server = await startFixtureServer({ root });
  server.route(SEARCH, { file: "govuk-search-home-office.json" });
  for (const [link, slug] of Object.entries(SLUGS)) server.route(`/api/content${link}`, { file: `govuk-content-${slug}.json` });
  slept = [];
  clockMs = 0;
});
afterEach(async () => {
  await server.close();
});

/** Fake time for the rate limiter: only sleeping moves it, so the spacing is checked without timing. */
const adapter = createGovukSearchAdapter({
  sleep: async (ms) => { slept.push(ms); clockMs += ms; },
  now: () => clockMs,
});

function read(cursor: SourceCursor = {}, extra: Partial<{ rateLimit: number }> = {}): Promise<SourceResult> {
  const context: SourceContext = {
    http: createHttpFetcher({ timeoutMs: 5000, sleep: async () => {} }),
    clock: fixedClock("2024-04-02T12:00:00Z"),
    log: memoryLogger(),
    baseDir: root,
    cursor,
  };
  return adapter.read(
    { id: "govuk", type: "govuk-search", url: server.origin, organisation: "home-office", supergroup: "news_and_communications", count: 50, rateLimit: extra.rateLimit ?? 3 },
    context,
  );
}

function searchJson(): { results: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(`${root}govuk-search-home-office.json`, "utf8")) as { results: Record<string, unknown>[] };
}


describe("govuk-search adapter", () => {
  it("lists with the Search API and reads each release from the Content API", async () => {
    const result = await read();
    expect(result.status).toBe("ok");
    expect(result.warnings).toEqual([]);
    const search = new URL(server.url(server.requests[0]!.url));
    expect(search.pathname).toBe(SEARCH);
    expect(Object.fromEntries([...search.searchParams].filter(([k]) => k !== "fields"))).toEqual({
      filter_organisations: "home-office",
      filter_content_purpose_supergroup: "news_and_communications",
      order: "-public_timestamp",
      count: "50",
    });
    expect(search.searchParams.getAll("fields")).toEqual(["title", "link", "public_timestamp", "content_store_document_type", "description"]);
    expect(server.requests.map((r) => r.url).slice(1)).toEqual(Object.keys(SLUGS).map((l) => `/api/content${l}`));
    expect(result.items.map((i) => [i.release.kind, i.release.department, i.sourceItemId])).toEqual([
      ["press-release", "Home Office", "/government/news/new-measures-to-tackle-knife-crime"],
      ["speech", "Home Office", "/government/speeches/home-secretary-speech-to-the-police-federation"],
      ["news-story", "Home Office", "/government/news/border-force-seizes-record-haul-at-dover"],
    ]);
  });

  it("builds the release from the content item, with the London date at the BST boundary and the real GOV.UK URL", async () => {
    const release = (await read()).items[0]!.release;
    expect(release).toEqual({
      id: canonicalId("Home Office", "2024-04-01", "New measures to tackle knife crime"),
      title: "New measures to tackle knife crime",
      kind: "press-release",
      department: "Home Office",
      date: "2024-04-01",
      publishedAt: "2024-03-31T23:01:00.000Z",
      summary: "Tougher sentences and new powers for police to seize machetes and zombie-style knives.",
      body: [
        { type: "paragraph", text: "Police will get new powers to seize and destroy bladed weapons found on private property." },
        { type: "list", items: ["a ban on zombie-style knives and machetes", "tougher sentences for selling knives to under-18s"] },
        { type: "paragraph", text: "Quotes" },
        { type: "paragraph", text: "The Home Secretary said:" },
        { type: "paragraph", text: "These measures will help get dangerous weapons off our streets." },
      ],
      url: "https://www.gov.uk/government/news/new-measures-to-tackle-knife-crime",
    });
  });

  it("takes the latest change note, and none for a first publication", async () => {
    const items = (await read()).items;
    expect(items[0]?.release.changeNote).toBeUndefined();
    expect(items[1]?.release.changeNote).toBe("Corrected the attendance figure in paragraph 4.");
  });

  it("remembers link → public_timestamp and fetches nothing when nothing changed", async () => {
    const first = await read();
    expect(first.cursor).toEqual({
      seen: {
        "/government/news/new-measures-to-tackle-knife-crime": "2024-04-01T00:01:00.000+01:00",
        "/government/speeches/home-secretary-speech-to-the-police-federation": "2024-03-29T09:00:00.000+00:00",
        "/government/news/border-force-seizes-record-haul-at-dover": "2024-03-27T11:20:00.000+00:00",
      },
    });
    const before = server.requests.length;
    const second = await read(first.cursor);
    expect(second).toMatchObject({ status: "not-modified", items: [], cursor: first.cursor });
    expect(server.requests.slice(before).map((r) => r.url.split("?")[0])).toEqual([SEARCH]);
  });

  it("fetches an edited item and a backdated new item, by id, not by date", async () => {
    const first = await read();
    const next = searchJson();
    next.results[1]!.public_timestamp = "2024-04-02T10:00:00.000+01:00";
    next.results.push({
      content_store_document_type: "written_statement",
      description: "Statement on asylum accommodation.",
      link: "/government/speeches/asylum-accommodation-update",
      public_timestamp: "2024-03-01T12:00:00.000+00:00",
      title: "Asylum accommodation update",
    });
    server.route(SEARCH, { body: JSON.stringify(next), contentType: "application/json" });
    server.route("/api/content/government/speeches/asylum-accommodation-update", {
      contentType: "application/json",
      body: JSON.stringify({
        base_path: "/government/speeches/asylum-accommodation-update",
        document_type: "written_statement",
        first_published_at: "2024-03-01T12:00:00.000+00:00",
        title: "Asylum accommodation update",
        description: "Statement on asylum accommodation.",
        details: { body: "<p>The government will close hotels.</p>" },
        links: { organisations: [{ title: "Home Office", base_path: "/government/organisations/home-office" }] },
      }),
    });
    const before = server.requests.length;
    const second = await read(first.cursor);
    expect(server.requests.slice(before).map((r) => r.url.split("?")[0])).toEqual([
      SEARCH,
      "/api/content/government/speeches/home-secretary-speech-to-the-police-federation",
      "/api/content/government/speeches/asylum-accommodation-update",
    ]);
    expect(second.items.map((i) => [i.release.title, i.release.kind, i.release.date])).toEqual([
      ["Home Secretary\u2019s speech to the Police Federation", "speech", "2024-03-28"],
      ["Asylum accommodation update", "written-statement", "2024-03-01"],
    ]);
  });


  it.each([
    [3, 333],
    [10, 100],
    [50, 100],
  ])("spaces requests at rateLimit %i req/s (never more than 10)", async (rateLimit, spacing) => {
    await read({}, { rateLimit });
    expect(slept).toHaveLength(3);
    for (const ms of slept) expect(ms).toBeGreaterThanOrEqual(spacing);
    expect(clockMs).toBeGreaterThanOrEqual(3 * (1000 / Math.min(rateLimit, 10)));
  });

  it("skips an item whose content fetch fails, with a warning, and retries it next run", async () => {
    server.route("/api/content/government/news/border-force-seizes-record-haul-at-dover", { status: 404, body: "Not found" });
    const result = await read();
    expect(result.items).toHaveLength(2);
    expect(result.warnings).toEqual([
      `${server.url("/api/content/government/news/border-force-seizes-record-haul-at-dover")}: HTTP 404; will retry next run`,
    ]);
    expect(Object.keys(result.cursor.seen as object)).not.toContain("/government/news/border-force-seizes-record-haul-at-dover");
  });

  it("fails the source when every content fetch fails", async () => {
    for (const link of Object.keys(SLUGS)) server.route(`/api/content${link}`, { status: 500 });
    expect((await failure(read())).code).toBe("FETCH_HTTP");
  });

  it("fails with FETCH_HTTP when the search API answers 500", async () => {
    server.route(SEARCH, { status: 500 });
    const error = await failure(read());
    expect(error.code).toBe("FETCH_HTTP");
    expect(error.message).toContain("/api/search.json");
    expect(error.message).toContain("HTTP 500");
  });

  it.each([
    ["an HTML error page", { file: "error-page.html" }, "returned an HTML page, not JSON"],
    ["broken JSON", { body: '{"results": [', contentType: "application/json" }, "not valid JSON"],
    ["JSON without results", { body: '{"error": "bad"}', contentType: "application/json" }, 'no "results" list'],
  ])("fails with FEED_MALFORMED on %s", async (_label, spec, message) => {
    server.route(SEARCH, spec);
    const error = await failure(read());
    expect(error.code).toBe("FEED_MALFORMED");
    expect(error.message).toContain(message);
  });
});
