/**
 * The html source reads at most `maxArticles` articles a run. It used to cut the listing to that
 * many links before looking at what it had seen: when more articles than that were new since the
 * last poll, the older new ones were never fetched (they only sank further down the listing).
 */
import { afterEach, beforeEach, expect, it, describe } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { memoryLogger } from "../../src/core/logger.js";
import type { SourceCursor } from "../../src/core/source.js";
import { htmlAdapter } from "../../src/sources/html.js";
import { createHttpFetcher } from "../../src/sources/http-fetch.js";
import { startFixtureServer, type FixtureServer } from "../helpers/fixture-server.js";

let server: FixtureServer;
beforeEach(async () => { server = await startFixtureServer(); });
afterEach(async () => { await server.close(); });

const listing = (ns: number[]) => `<!DOCTYPE html><html><body><ul>${ns.map((n) => `<li class="item"><a class="link" href="/news/a${n}.html">Article ${n}</a><time datetime="2026-11-${10 + n}">x</time></li>`).join("")}</ul></body></html>`;
const article = (n: number) => `<!DOCTYPE html><html><body><h1 class="t">Article number ${n}</h1><p class="d"><time datetime="2026-11-${10 + n}T09:00:00Z">d</time></p><div class="b"><p>Body of article ${n}.</p></div></body></html>`;

function config() {
  return {
    id: "pcc", type: "html" as const, url: server.url("/news/"), department: "Example PCC", kind: "press-release",
    listing: { item: "li.item", link: "a.link", date: "time" },
    article: { title: "h1.t", date: ".d time", body: ".b" },
    maxArticles: 2,
  };
}

async function read(cursor: SourceCursor) {
  return htmlAdapter.read(config(), { http: createHttpFetcher({ timeoutMs: 5000, retries: 0 }), clock: fixedClock("2026-11-29T10:00:00Z"), log: memoryLogger(), baseDir: "/", cursor });
}

describe("html listing with more new articles than maxArticles", () => {
  it("eventually reads every article that appears on the listing page", async () => {
    for (let n = 1; n <= 5; n++) server.route(`/news/a${n}.html`, { body: article(n), contentType: "text/html" });
    server.route("/news/", { body: listing([1]), contentType: "text/html", etag: '"l1"' });
    const first = await read({});
    expect(first.items.map((i) => i.release.title)).toEqual(["Article number 1"]);

    // Three new articles appear at the top (newest first); the listing shows all four.
    server.route("/news/", { body: listing([4, 3, 2, 1]), contentType: "text/html", etag: '"l2"' });
    let cursor = first.cursor;
    const titles: string[] = [];
    const warnings: string[] = [];
    for (let run = 0; run < 3; run++) {
      const r = await read(cursor);
      titles.push(...r.items.map((i) => i.release.title));
      warnings.push(...r.warnings);
      cursor = r.cursor; // committed
    }
    // Two new articles on the next run, the third on the one after, each once.
    expect(titles).toEqual(["Article number 4", "Article number 3", "Article number 2"]);
    expect(warnings).toEqual([`${config().url}: 1 more new article(s) than maxArticles (2); read on the next run`]);
    expect(server.requestsTo("/news/a2.html")).toHaveLength(1);
  });

  it("reads only the newest maxArticles on the first read, and never the backlog below them later", async () => {
    for (let n = 1; n <= 6; n++) server.route(`/news/a${n}.html`, { body: article(n), contentType: "text/html" });
    server.route("/news/", { body: listing([4, 3, 2, 1]), contentType: "text/html" });
    const first = await read({});
    expect(first.items.map((i) => i.release.title)).toEqual(["Article number 4", "Article number 3"]);
    server.route("/news/", { body: listing([6, 5, 4, 3, 2, 1]), contentType: "text/html" });
    const next = await read(first.cursor);
    expect(next.items.map((i) => i.release.title)).toEqual(["Article number 6", "Article number 5"]);
    const then = await read(next.cursor);
    expect(then.items).toEqual([]);
    for (const n of [1, 2]) expect(server.requestsTo(`/news/a${n}.html`)).toHaveLength(0);
  });

  it("takes a cursor written before (the newest maxArticles links only) without reading the backlog below them", async () => {
    for (let n = 1; n <= 5; n++) server.route(`/news/a${n}.html`, { body: article(n), contentType: "text/html" });
    server.route("/news/", { body: listing([5, 4, 3, 2, 1]), contentType: "text/html" });
    const before = { seen: [server.url("/news/a4.html"), server.url("/news/a3.html")] };
    const r = await read(before);
    expect(r.items.map((i) => i.release.title)).toEqual(["Article number 5"]);
    expect(server.requestsTo("/news/a2.html")).toHaveLength(0);
    expect(server.requestsTo("/news/a1.html")).toHaveLength(0);
  });
});
