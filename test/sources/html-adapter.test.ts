import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { isPressroomError } from "../../src/core/errors.js";
import { canonicalId } from "../../src/core/ids.js";
import { memoryLogger } from "../../src/core/logger.js";
import type { SourceContext, SourceCursor, SourceResult } from "../../src/core/source.js";
import { htmlAdapter } from "../../src/sources/html.js";
import { parseScrapedDate } from "../../src/sources/html-date.js";
import { createHttpFetcher } from "../../src/sources/http-fetch.js";
import { startFixtureServer } from "../helpers/fixture-server.js";
import type { FixtureServer } from "../helpers/fixture-server.js";

const root = fileURLToPath(new URL("../fixtures/live/", import.meta.url));
const ARTICLES = ["new-funding-for-neighbourhood-policing", "commissioner-responds-to-inspection", "knife-amnesty-results"];
let server: FixtureServer;

beforeEach(async () => {
  server = await startFixtureServer({ root });
  server.route("/news/", { file: "html-listing.html", etag: '"list-1"' });
  for (const slug of ARTICLES) server.route(`/news/articles/${slug}.html`, { file: `articles/${slug}.html` });
});
afterEach(async () => {
  await server.close();
});

function read(cursor: SourceCursor = {}, maxArticles = 20): Promise<SourceResult> {
  const context: SourceContext = {
    http: createHttpFetcher({ timeoutMs: 5000, sleep: async () => {} }),
    clock: fixedClock("2024-04-02T12:00:00Z"),
    log: memoryLogger(),
    baseDir: root,
    cursor,
  };
  return htmlAdapter.read(
    {
      id: "pcc",
      type: "html",
      url: server.url("/news/"),
      department: "Example PCC",
      kind: "Press release",
      listing: { item: "li.news-item", link: "a.news-link", date: "time, .date" },
      article: { title: "h1.article-title", date: ".meta time", summary: ".standfirst", body: ".article-body" },
      maxArticles,
    },
    context,
  );
}

describe("html adapter", () => {
  it("follows listing links (relative resolved, duplicates and javascript: dropped) and scrapes each article", async () => {
    const result = await read();
    expect(result.warnings).toEqual([]);
    expect(server.requests.map((r) => r.url)).toEqual([
      "/news/",
      ...ARTICLES.map((slug) => `/news/articles/${slug}.html`),
    ]);
    expect(result.items.map((i) => [i.release.title, i.release.date])).toEqual([
      ["New funding for neighbourhood policing", "2024-04-01"],
      ["Commissioner responds to inspection", "2024-03-28"],
      ["Knife amnesty results", "2024-03-25"],
    ]);
  });

  it("builds a sanitised release from the selectors", async () => {
    const [first] = (await read()).items;
    const url = server.url("/news/articles/new-funding-for-neighbourhood-policing.html");
    expect(first).toEqual({
      sourceItemId: url,
      url,
      release: {
        id: canonicalId("Example PCC", "2024-04-01", "New funding for neighbourhood policing"),
        title: "New funding for neighbourhood policing",
        kind: "press-release",
        department: "Example PCC",
        date: "2024-04-01",
        publishedAt: "2024-03-31T23:15:00.000Z",
        summary: "An extra £2 million will put more officers on the beat.",
        body: [
          { type: "paragraph", text: "The Commissioner has announced an extra £2 million for neighbourhood policing." },
          { type: "paragraph", text: "The money will pay for:" },
          { type: "list", items: ["20 more police community support officers", "longer opening hours at front counters"] },
        ],
        url,
      },
    });
  });

  it("uses the first paragraph as summary when there is no summary element", async () => {
    const second = (await read()).items[1]?.release;
    expect(second?.summary).toBe("The Commissioner welcomed the inspectorate\u2019s report.");
  });

  it("re-fetches only unseen articles, and the listing conditionally", async () => {
    const first = await read();
    expect(first.cursor).toMatchObject({ seen: ARTICLES.map((slug) => server.url(`/news/articles/${slug}.html`)) });
    server.route("/news/", { file: "html-listing.html", etag: '"list-2"' });
    const before = server.requests.length;
    const second = await read(first.cursor);
    expect(server.requests[before]?.headers["if-none-match"]).toBe('"list-1"');
    expect(second.items).toEqual([]);
    expect(server.requests.slice(before).map((r) => r.url)).toEqual(["/news/"]);
    server.route("/news/", { file: "html-listing.html", etag: '"list-2"' });
    const third = await read(second.cursor);
    expect(third.status).toBe("not-modified");
  });

  it("stops at maxArticles", async () => {
    const result = await read({}, 1);
    expect(result.items).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it("skips an article that fails, with a warning, and keeps the listing unconditional for the retry", async () => {
    server.route("/news/articles/knife-amnesty-results.html", { status: 500 });
    const result = await read();
    expect(result.items).toHaveLength(2);
    expect(result.warnings).toEqual([`${server.url("/news/articles/knife-amnesty-results.html")}: HTTP 500; will retry next run`]);
    expect(result.cursor.validators).toBeUndefined();
  });

  it("fails when the listing page fails", async () => {
    server.route("/news/", { status: 503, headers: { "retry-after": "3600" } });
    await expect(read()).rejects.toSatisfy((e: unknown) => isPressroomError(e, "FETCH_HTTP"));
  });

  it.each([
    ["2024-03-31T23:30:00Z", { date: "2024-04-01", publishedAt: "2024-03-31T23:30:00.000Z" }],
    ["2024-03-28", { date: "2024-03-28" }],
    ["Monday 25 March 2024", { date: "2024-03-25" }],
    ["Published on: 1st May 2024", { date: "2024-05-01" }],
    ["31 February 2024", undefined],
    ["soon", undefined],
  ])("parseScrapedDate(%j)", (text, expected) => {
    expect(parseScrapedDate(text)).toEqual(expected);
  });
});
