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

describe("live topic feed scan bounds", () => {
  it("scans only the newest 24 months by default", async () => {
    const url = await start();
    expect(await titles(await live(url, "harbour"))).toEqual(["Report 2022-07"]);
    expect(await titles(await live(url, "glacier"))).toEqual([]);
  });

  it("older months are reachable when the bound allows them (so the data is there)", async () => {
    const url = await start({ maxMonths: 30 });
    expect(await titles(await live(url, "glacier"))).toHaveLength(6);
  });

  it("stops after maxReleases releases tested", async () => {
    const url = await start({ maxReleases: 3 });
    expect(await titles(await live(url, "meadow"))).toEqual(["Report 2024-04"]);
    expect(await titles(await live(url, "harbour"))).toEqual([]);
  });

  it("still stops early once feeds.entries matches are found", async () => {
    const url = await start();
    const got = await titles(await live(url, "lighthouse"));
    expect(got).toEqual(MONTHS.slice(-10).reverse().map((m) => `Report ${m}`));
  });
});

describe("live topic feed cache", () => {
  const run = (finishedAt: string) => ({
    startedAt: finishedAt, finishedAt, durationMs: 1, sources: [], feedsWritten: [], ok: true,
    deliveries: { enqueued: 0, sent: 0, failed: 0, retrying: 0, pending: 0 },
  });

  it("serves a repeated query from memory until the next run, keeping ETag and 304", async () => {
    const cache: LiveFeedCache = createLiveFeedCache(10);
    const url = await start({ cache });
    const first = await live(url, "harbour", { "accept-encoding": "identity" });
    const body = await first.text();
    expect({ size: cache.size, hits: cache.hits, misses: cache.misses }).toEqual({ size: 1, hits: 0, misses: 1 });

    // A release stored without a run is not seen: the cached feed is served as it was.
    await writeStore((store) => store.commit({ releases: [releaseFor("2024-06", 99, "harbour")] }));
    const second = await live(url, "  harbour ", { "accept-encoding": "identity" });
    expect(await second.text()).toBe(body);
    expect(second.headers.get("etag")).toBe(first.headers.get("etag"));
    expect({ size: cache.size, hits: cache.hits, misses: cache.misses }).toEqual({ size: 1, hits: 1, misses: 1 });

    const revalidated = await live(url, "harbour", { "if-none-match": first.headers.get("etag")!, "accept-encoding": "identity" });
    expect(revalidated.status).toBe(304);
    expect(cache.hits).toBe(2);

    // The next run changes the key: the feed is built again and shows the new release.
    await writeStore((store) => store.runs.record(run("2024-06-20T10:00:00.000Z")));
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
