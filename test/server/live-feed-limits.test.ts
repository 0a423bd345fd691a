import { join } from "node:path";
import Parser from "rss-parser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import type { StoredRelease } from "../../src/core/release.js";
import { createLiveFeedCache, createServer, type LiveFeedCache, type LiveFeedOptions, type PressroomServer } from "../../src/server/index.js";
import type { StateStore } from "../../src/core/ports.js";
import { createMailTransport } from "../../src/mail/index.js";
import { stateEngines, type TestState } from "../helpers/state-engines.js";
import { storedRelease } from "../fixtures/feeds/stored-releases.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { SECRET, testConfig } from "./server-fixture.js";

/** 30 months, 2022-01 … 2024-06, one release each. */
const MONTHS = Array.from({ length: 30 }, (_, i) => `${2022 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}`);

/** Every release says "lighthouse"; the oldest 6 also "glacier", the 24th newest "harbour", the 3rd newest "meadow". */
function releaseFor(month: string, i: number, extra = ""): StoredRelease {
  const words = ["lighthouse", i < 6 ? "glacier" : "", i === 6 ? "harbour" : "", i === 27 ? "meadow" : "", extra].filter(Boolean).join(" ");
  return storedRelease({
    id: `tag:pressroom.invalid,${month}-15:home-office/report-${month}${extra ? `-${extra}` : ""}`,
    kind: "press-release",
    department: "Home Office",
    date: `${month}-15`,
    url: `https://www.gov.uk/government/news/report-${month}${extra ? `-${extra}` : ""}`,
    versions: [{ at: `${month}-15T10:00:00.000Z`, title: `Report ${month}`, summary: `A report on ${words}.`, body: [{ type: "paragraph", text: `This report covers ${words}.` }] }],
  });
}

let temp: { dir: string; cleanup: () => Promise<void> };
let state: TestState;
/** One handle on the state, shared by the servers and the writes of the tests. */
let store: StateStore;
const servers: PressroomServer[] = [];
const transport = createMailTransport({ outboxDir: "/nonexistent-pressroom-test" });

async function writeStore(work: (store: StateStore) => Promise<unknown>): Promise<void> {
  await work(store);
}

beforeAll(async () => {
  temp = await makeTempDir("pressroom-live-");
  state = await stateEngines()[0]!.fresh();
  store = await state.open({ clock: systemClock });
  await writeStore((store) => store.commit({ releases: MONTHS.map((m, i) => releaseFor(m, i)) }));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await state?.cleanup();
  await temp?.cleanup();
});

async function start(liveFeed: Partial<LiveFeedOptions> = {}): Promise<string> {
  const server = createServer({ store, transport, config: testConfig(join(temp.dir, "inbox")), secret: SECRET, liveFeed });
  servers.push(server);
  return (await server.listen(0, "127.0.0.1")).url;
}

const titles = async (res: Response) => (await new Parser().parseString(await res.text())).items.map((i) => i.title);
const live = (url: string, q: string, headers: Record<string, string> = {}) => fetch(`${url}/feeds/topics?q=${encodeURIComponent(q)}`, { headers });

describe("live topic feeds from the search index", () => {
  it("covers the whole history, newest first, stopping at feeds.entries", async () => {
    const url = await start();
    expect(await titles(await live(url, "glacier"))).toEqual(MONTHS.slice(0, 6).reverse().map((m) => `Report ${m}`));
    expect(await titles(await live(url, "harbour"))).toEqual(["Report 2022-07"]);
    expect(await titles(await live(url, "lighthouse"))).toEqual(MONTHS.slice(-10).reverse().map((m) => `Report ${m}`));
    expect(await titles(await live(url, "lighthouse AND NOT glacier AND NOT meadow"))).toHaveLength(10);
  });

  it("a query over 500 characters is 400 \"query too long\"", async () => {
    const url = await start();
    const res = await live(url, `harbour ${"x".repeat(600)}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("query too long");
  });

  it("beyond the concurrency cap a live query is 503 with Retry-After, and nothing is cached", async () => {
    const cache = createLiveFeedCache(10);
    const url = await start({ maxConcurrent: 0, cache });
    const res = await live(url, "harbour");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(cache.size).toBe(0);
  });

  it("answers 40 different queries at once", async () => {
    const url = await start();
    const queries = MONTHS.slice(0, 40).map((m, i) => (i < 30 ? `"report ${m.replace("-", " ")}" OR harbour` : `lighthouse AND NOT x${i}`));
    const results = await Promise.all(queries.map((q) => live(url, q)));
    expect(results.map((r) => r.status)).toEqual(queries.map(() => 200));
  });
});

describe("live topic feed cache", () => {
  it("serves a repeated query from memory until the state changes, keeping ETag and 304", async () => {
    const cache: LiveFeedCache = createLiveFeedCache(10);
    const url = await start({ cache });
    const first = await live(url, "harbour", { "accept-encoding": "identity" });
    const body = await first.text();
    expect({ size: cache.size, hits: cache.hits, misses: cache.misses }).toEqual({ size: 1, hits: 0, misses: 1 });

    const second = await live(url, "  harbour ", { "accept-encoding": "identity" });
    expect(await second.text()).toBe(body);
    expect(second.headers.get("etag")).toBe(first.headers.get("etag"));
    expect({ size: cache.size, hits: cache.hits, misses: cache.misses }).toEqual({ size: 1, hits: 1, misses: 1 });

    const revalidated = await live(url, "harbour", { "if-none-match": first.headers.get("etag")!, "accept-encoding": "identity" });
    expect(revalidated.status).toBe(304);
    expect(cache.hits).toBe(2);

    // A new release changes the generation: the index takes it in and the feed is built again.
    await writeStore((store) => store.commit({ releases: [releaseFor("2024-06", 99, "harbour")], dirty: ["all"], placements: [{ feed: "all", entry: { id: releaseFor("2024-06", 99, "harbour").id, date: "2024-06-15", updatedAt: "2024-06-15T10:00:00.000Z" } }] }));
    const afterRun = await live(url, "harbour", { "if-none-match": first.headers.get("etag")!, "accept-encoding": "identity" });
    expect(afterRun.status).toBe(200);
    expect(afterRun.headers.get("etag")).not.toBe(first.headers.get("etag"));
    expect(await titles(afterRun)).toEqual(["Report 2024-06", "Report 2022-07"]);
    expect({ size: cache.size, misses: cache.misses }).toEqual({ size: 2, misses: 2 });
  });

  it("keeps case (AND is an operator, and is a word) and at most the configured number of feeds", async () => {
    const cache = createLiveFeedCache(2);
    const url = await start({ cache });
    for (const q of ["lighthouse AND harbour", "lighthouse and harbour", "meadow", "lighthouse AND harbour"]) expect((await live(url, q)).status).toBe(200);
    expect({ size: cache.size, hits: cache.hits, misses: cache.misses }).toEqual({ size: 2, hits: 0, misses: 4 });
  });

  it("does not cache refused queries", async () => {
    const cache = createLiveFeedCache(10);
    const url = await start({ cache });
    expect((await live(url, "(harbour")).status).toBe(400);
    expect(cache.size).toBe(0);
  });
});
