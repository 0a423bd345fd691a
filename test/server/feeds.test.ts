import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import Parser from "rss-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServedState, type ServedState } from "./server-fixture.js";

let s: ServedState;
beforeAll(async () => {
  s = await startServedState();
});
afterAll(async () => s?.cleanup());

const ATOM = "application/atom+xml; charset=utf-8";
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${s.url}${path}`, { headers });
const links = (xml: string, rel: string) => [...xml.matchAll(new RegExp(`<link[^>]*rel="${rel}"[^>]*>`, "g"))].map((m) => /href="([^"]+)"/.exec(m[0])?.[1]);

describe("feed files", () => {
  it.each(["/feeds/all.atom", "/feeds/kinds/press-release.atom", "/feeds/kinds/speech.atom", "/feeds/topics/facial-recognition.atom", "/feeds/archive/2023-10.atom"])(
    "%s is Atom with caching headers",
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(ATOM);
      expect(res.headers.get("etag")).toMatch(/^"[A-Za-z0-9_-]+(-gz)?"$/);
      expect(res.headers.get("last-modified")).toMatch(/GMT$/);
      expect(res.headers.get("cache-control")).toBe("public, max-age=300");
      const feed = await new Parser().parseString(await res.text());
      expect(feed.items.length).toBeGreaterThan(0);
    },
  );

  it("serves the bytes a run wrote, with Last-Modified from when it wrote them", async () => {
    const file = join(s.stateDir, "feeds", "all.atom");
    const res = await get("/feeds/all.atom", { "accept-encoding": "identity" });
    expect(await res.text()).toBe(await readFile(file, "utf8"));
    // The time the run recorded as it published the document, just before the file's own write:
    // the same second, or the one before when the write crossed into the next.
    const mtime = Math.floor((await stat(file)).mtime.getTime() / 1000) * 1000;
    expect([mtime - 1000, mtime]).toContain(new Date(res.headers.get("last-modified")!).getTime());
  });

  it("answers 304 to If-None-Match and to If-Modified-Since, and 200 to a stale ETag", async () => {
    const first = await get("/feeds/all.atom", { "accept-encoding": "identity" });
    const etag = first.headers.get("etag")!;
    const again = await get("/feeds/all.atom", { "if-none-match": etag, "accept-encoding": "identity" });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");
    const since = await get("/feeds/all.atom", { "if-modified-since": first.headers.get("last-modified")! });
    expect(since.status).toBe(304);
    const stale = await get("/feeds/all.atom", { "if-none-match": '"not-the-tag"', "if-modified-since": first.headers.get("last-modified")! });
    expect(stale.status).toBe(200);
  });

  it("gzips when the client accepts it, with its own ETag, and the bytes inflate to the feed", async () => {
    const plain = await (await get("/feeds/all.atom", { "accept-encoding": "identity" })).text();
    // Node's fetch decompresses transparently; ask with a raw request to see the encoding.
    const { request } = await import("node:http");
    const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      request(`${s.url}/feeds/all.atom`, { headers: { "accept-encoding": "gzip, deflate" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }).on("error", reject).end();
    });
    expect(raw.headers["content-encoding"]).toBe("gzip");
    expect(raw.headers["vary"]).toBe("Accept-Encoding");
    expect(String(raw.headers["etag"])).toMatch(/-gz"$/);
    expect(gunzipSync(raw.body).toString("utf8")).toBe(plain);
    const revalidate = await get("/feeds/all.atom", { "if-none-match": String(raw.headers["etag"]), "accept-encoding": "gzip" });
    expect(revalidate.status).toBe(304);
  });

  it("answers HEAD with headers and no body", async () => {
    const res = await fetch(`${s.url}/feeds/all.atom`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(ATOM);
    expect(await res.text()).toBe("");
  });

  it("links monthly archives per RFC 5005 so a reader can walk the whole history", async () => {
    const all = await (await get("/feeds/all.atom")).text();
    let next = links(all, "prev-archive")[0];
    expect(next).toBe("http://pressroom.test/feeds/archive/2024-04.atom");
    const seen: string[] = [];
    while (next) {
      const path = new URL(next).pathname;
      const res = await get(path);
      expect(res.status).toBe(200);
      const xml = await res.text();
      expect(xml).toContain("<fh:archive");
      expect(links(xml, "current")[0]).toBe("http://pressroom.test/feeds/all.atom");
      seen.push(path);
      next = links(xml, "prev-archive")[0];
    }
    expect(seen).toEqual(["/feeds/archive/2024-04.atom", "/feeds/archive/2024-03.atom", "/feeds/archive/2023-10.atom"]);
    const oldest = await (await get("/feeds/archive/2023-10.atom")).text();
    expect(links(oldest, "next-archive")[0]).toBe("http://pressroom.test/feeds/archive/2024-03.atom");
    // The archive is complete: every October release (10 press releases and a speech), more than the 10-entry feeds hold.
    expect((await new Parser().parseString(oldest)).items.length).toBe(11);
    expect((await new Parser().parseString(all)).items.length).toBe(10);
  });

  it.each(["/feeds/kinds/no-such-kind.atom", "/feeds/topics/not-configured.atom", "/feeds/archive/2019-01.atom", "/feeds/archive/2024-13.atom", "/feeds/other.atom"])(
    "%s is 404",
    async (path) => {
      expect((await get(path)).status).toBe(404);
    },
  );
});

describe("live topic feed", () => {
  it("builds a feed for any query, newest first, capped at feeds.entries", async () => {
    const res = await get(`/feeds/topics?q=${encodeURIComponent("police")}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(ATOM);
    const xml = await res.text();
    const feed = await new Parser().parseString(xml);
    expect(feed.items.length).toBeGreaterThan(0);
    expect(feed.items.length).toBeLessThanOrEqual(10);
    expect(links(xml, "self")[0]).toBe("http://pressroom.test/feeds/topics?q=police");
    const dates = feed.items.map((i) => i.isoDate ?? "");
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it("matches only what the query says", async () => {
    const feed = await new Parser().parseString(await (await get(`/feeds/topics?q=${encodeURIComponent("kind:speech")}`)).text());
    expect(feed.items.map((i) => i.title).sort()).toEqual(["James Cleverly – 2024 Speech on Migration", "Suella Braverman – 2023 Speech on Policing"]);
    const none = await new Parser().parseString(await (await get(`/feeds/topics?q=${encodeURIComponent("zzzzunknownword")}`)).text());
    expect(none.items).toEqual([]);
  });

  it("supports conditional GET", async () => {
    const first = await get("/feeds/topics?q=asylum");
    const again = await get("/feeds/topics?q=asylum", { "if-none-match": first.headers.get("etag")! });
    expect(again.status).toBe(304);
  });

  it.each([
    ["(asylum", /never closed/],
    ["asylum AND", /AND needs a term/],
    ["", /add a query/],
  ])("rejects the query %j with 400 and the reason", async (q, why) => {
    const res = await get(`/feeds/topics?q=${encodeURIComponent(q)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toMatch(why);
  });
});
