/**
 * State benchmarks (issue 8), on both engines, ratios measured in one run:
 *   1. importing a dump through the real pipeline (runOnce with a dump source, as `pressroom import`
 *      does) into a fresh state, in a child process (its peak RSS is the import's), against
 *      `parseDump` of the same dump alone; cost per release at 2,000, 20,000 and 100,000;
 *   2. a run adding one release on 200,000 stored releases vs on 200;
 *   3. marking deliveries sent one by one (claimDue + ack of one delivery): per mark at 10,000 vs 100.
 * PostgreSQL: PRESSROOM_BENCH_DATABASE_URL or PRESSROOM_TEST_DATABASE_URL (a role that may create
 * databases); each measurement gets a fresh database, dropped afterwards.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../src/config/load.js";
import { fixedClock } from "../src/core/clock.js";
import { canonicalId, contentHash } from "../src/core/ids.js";
import { addDays } from "../src/core/london.js";
import { silentLogger } from "../src/core/logger.js";
import type { StateStore } from "../src/core/ports.js";
import type { StoredRelease } from "../src/core/release.js";
import type { Delivery } from "../src/core/subscription.js";
import { releaseIndexKeys } from "../src/match/search-index.js";
import { runOnce } from "../src/pipeline/run-once.js";
import { createHttpFetcher } from "../src/sources/index.js";
import { parseDump } from "../src/sources/dump-parse.js";
import { openState, type StateTarget } from "../src/store/index.js";
import { runBenchChild } from "./bench-child.js";
import { buildDumpOf } from "./parser-bench.js";
import { benchDatabaseUrl, createFreshDatabase } from "./fresh-database.js";
import { limitHeapGrowth } from "../src/cli/heap-growth.js";

export type Engine = "lowdb" | "postgres";

const COMPOSE = { from: "x@y.z", baseUrl: "http://localhost", listId: "l.example", unsubscribeMailto: "u@example.org", secret: "bench-secret-0123456789" };
const PARAGRAPH = "The Home Secretary announced new measures to tackle crime, including more patrols, better technology and support for victims across England and Wales.";

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

export { benchDatabaseUrl };

/** A fresh database (or state folder) for one measurement, removed by `drop`. */
export async function freshTarget(engine: Engine): Promise<{ target: StateTarget; dir: string; drop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "pressroom-bench-"));
  if (engine === "lowdb") return { target: { kind: "lowdb", dir: join(dir, "state") }, dir, drop: () => rm(dir, { recursive: true, force: true }) };
  const admin = benchDatabaseUrl();
  if (!admin) throw new Error("no database URL");
  const db = await createFreshDatabase(admin, "pressroom_b");
  return {
    target: { kind: "postgres", url: db.url },
    dir,
    drop: async () => {
      await rm(dir, { recursive: true, force: true });
      await db.drop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 1. Import

interface ImportChildResult {
  readonly ms: number;
  readonly maxRssMB: number;
  readonly added: number;
  /** Stopped at the time limit: the figures cover `added` releases. */
  readonly partial?: boolean;
}

const spent = new Map<string, { ms: number; calls: number }>();

/** PRESSROOM_BENCH_TRACE=1: wall time spent in each store method, printed to stderr at the end. */
function traced(store: StateStore): StateStore {
  const wrap = <T extends object>(target: T, prefix: string): T =>
    new Proxy(target, {
      get(obj, key, receiver) {
        const value = Reflect.get(obj, key, receiver) as unknown;
        if (typeof value !== "function" || typeof key !== "string") return value;
        return (...args: unknown[]) => {
          const t0 = performance.now();
          const out = (value as (...a: unknown[]) => unknown).apply(obj, args);
          const done = () => {
            const entry = spent.get(`${prefix}${key}`) ?? { ms: 0, calls: 0 };
            entry.ms += performance.now() - t0;
            entry.calls++;
            spent.set(`${prefix}${key}`, entry);
          };
          if (out instanceof Promise) return out.finally(done);
          done();
          return out;
        };
      },
    });
  const s = wrap(store, "");
  return Object.assign(Object.create(s) as StateStore, { commit: s.commit, releases: wrap(store.releases, "releases."), feeds: wrap(store.feeds, "feeds."), outbox: wrap(store.outbox, "outbox."), sources: wrap(store.sources, "sources."), subscriptions: wrap(store.subscriptions, "subscriptions."), runs: wrap(store.runs, "runs."), close: s.close, secret: s.secret, generation: s.generation, leases: store.leases, engine: store.engine, location: store.location });
}

/** In the child: imports `files` in order as the `import` source (`pressroom import a b c`). */
async function importChild(targetJson: string, files: readonly string[]): Promise<void> {
  const target = JSON.parse(targetJson) as StateTarget;
  const config = parseConfig({ sources: [], feeds: { topics: [] } });
  const clock = fixedClock("2026-11-29T10:00:00Z");
  const t0 = performance.now();
  // As `pressroom import` opens it: commits keep the search index too.
  const opened = await openState(target, { clock, feedEntries: config.feeds.entries, command: "pressroom import", searchKeys: releaseIndexKeys });
  const store = process.env.PRESSROOM_BENCH_TRACE ? traced(opened) : opened;
  let added = 0;
  for (const file of files) {
    const summary = await runOnce({ owner: "bench", config, baseDir: "/", store, http: createHttpFetcher({}), clock, log: silentLogger, compose: COMPOSE }, config.sources.length ? config.sources : parseConfig({ sources: [{ id: "import", type: "dump", path: file }], feeds: { topics: [] } }).sources);
    const source = summary.sources[0];
    if (source?.status !== "ok") throw new Error(`import failed: ${JSON.stringify(source)}`);
    added += source.new;
    // One line per dump, so a parent that stops a long import at its time limit keeps what was done.
    if (files.length > 1) process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0, maxRssMB: process.resourceUsage().maxRSS / 1024, added, partial: true })}\n`);
  }
  await store.close();
  const ms = performance.now() - t0;
  const result: ImportChildResult = { ms, maxRssMB: process.resourceUsage().maxRSS / 1024, added };
  await checkSearchIndex(target, added);
  if (process.env.PRESSROOM_BENCH_TRACE) for (const [k, v] of [...spent].sort((a, b) => b[1].ms - a[1].ms)) process.stderr.write(`${k} ${Math.round(v.ms)} ms ${v.calls} calls\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * After the timing: the import's search index must name every release it added. (A search worker
 * that died, say of its heap limit, leaves the index incomplete with only a warning, and an import
 * that skipped that work would look fast.)
 */
async function checkSearchIndex(target: StateTarget, added: number): Promise<void> {
  const store = await openState(target, { clock: fixedClock("2026-11-29T10:00:00Z"), command: "pressroom bench check" });
  try {
    const all = await store.search.candidates([]);
    if (!all) throw new Error("bench: the import left the search index incomplete");
    let named = 0;
    for (let batch = await all.next(10_000); batch.length > 0; batch = await all.next(10_000)) named += batch.length;
    if (named !== added) throw new Error(`bench: the import's search index names ${named} releases, not the ${added} added`);
  } finally {
    await store.close();
  }
}

/** The import child's result; one stopped at its time limit gives its last report (`partial`). */
async function runChild(args: readonly string[], limitMs: number): Promise<ImportChildResult> {
  const { value, stopped } = await runBenchChild<ImportChildResult>(fileURLToPath(import.meta.url), args, limitMs);
  return stopped ? { ...value, partial: true } : value;
}

export interface ImportRow {
  readonly releases: number;
  readonly files: number;
  readonly ms: number;
  readonly perReleaseMs: number;
  readonly maxRssMB: number;
  readonly added: number;
  readonly partial: boolean;
}

export interface ImportBench {
  readonly engine: Engine;
  readonly parseMs: number;
  readonly dumpMB: number;
  readonly rows: readonly ImportRow[];
  /** import of 20,000 ÷ parseDump of the same dump. */
  readonly ratio: number;
  /** max ÷ min cost per release over the sizes. */
  readonly flatness: number;
}

/** Dump of 20,000 releases, parsed alone (median of `rounds`). */
async function timeParse(text: string, rounds: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = performance.now();
    parseDump(text, "dump-20000.txt");
    times.push(performance.now() - t0);
  }
  return median(times);
}

export interface Dumps {
  readonly dir: string;
  /** 2,000 releases, 20,000 releases, and five dumps of 20,000 (different releases) for 100,000. */
  readonly small: string;
  readonly medium: string;
  readonly large: readonly string[];
  readonly mediumMB: number;
  readonly parseMs: number;
}

/**
 * One dump cannot hold 100,000 releases of this size (~6 KB each: 630 MB is more than V8's longest
 * string), so 100,000 is five dumps of 20,000 imported by one process, as `pressroom import a b c d e`.
 */
export async function writeDumps(rounds: number): Promise<Dumps> {
  const dir = await mkdtemp(join(tmpdir(), "pressroom-dumps-"));
  const small = join(dir, "dump-2000.txt");
  await writeFile(small, await buildDumpOf(2_000, 0));
  const large: string[] = [];
  let mediumMB = 0;
  let parseMs = 0;
  for (let k = 0; k < 5; k++) {
    const file = join(dir, `dump-20000-${k}.txt`);
    const text = await buildDumpOf(20_000, k * 2_000);
    if (k === 0) {
      mediumMB = Buffer.byteLength(text) / (1024 * 1024);
      parseMs = await timeParse(text, rounds);
    }
    await writeFile(file, text);
    large.push(file);
  }
  return { dir, small, medium: large[0]!, large, mediumMB, parseMs };
}

async function timeImport(engine: Engine, files: readonly string[], rounds: number, limitMs: number): Promise<ImportChildResult> {
  const runs: ImportChildResult[] = [];
  for (let i = 0; i < rounds; i++) {
    const fresh = await freshTarget(engine);
    try {
      runs.push(await runChild(["import", JSON.stringify(fresh.target), ...files], limitMs));
    } finally {
      await fresh.drop();
    }
  }
  return { ms: median(runs.map((r) => r.ms)), maxRssMB: Math.max(...runs.map((r) => r.maxRssMB)), added: Math.min(...runs.map((r) => r.added)), partial: runs.some((r) => r.partial) };
}

export async function benchImport(engine: Engine, dumps: Dumps, rounds: { small: number; medium: number; large: number }, largeLimitMs: number): Promise<ImportBench> {
  const sizes: [number, readonly string[], number][] = [[2_000, [dumps.small], rounds.small], [20_000, [dumps.medium], rounds.medium], [100_000, dumps.large, rounds.large]];
  const rows: ImportRow[] = [];
  for (const [releases, files, n] of sizes) {
    if (n <= 0) continue;
    const r = await timeImport(engine, files, n, releases === 100_000 ? largeLimitMs : 3_600_000);
    // A stopped import counts what it stored: its cost per release is over the releases it added.
    const done = r.partial ? r.added : releases;
    rows.push({ releases, files: files.length, ms: r.ms, perReleaseMs: r.ms / Math.max(done, 1), maxRssMB: r.maxRssMB, added: r.added, partial: r.partial === true });
  }
  const medium = rows.find((r) => r.releases === 20_000);
  const per = rows.map((r) => r.perReleaseMs);
  return { engine, parseMs: dumps.parseMs, dumpMB: dumps.mediumMB, rows, ratio: (medium?.ms ?? Number.NaN) / dumps.parseMs, flatness: Math.max(...per) / Math.min(...per) };
}

// ---------------------------------------------------------------------------------------------
// 2. A run adding one release, on a small and a large history

/** Seeded history: 20 releases a day, the newest on 31 October 2026, so the newest months are alike at any size. */
function syntheticRelease(i: number, count: number): StoredRelease {
  const date = addDays("2026-10-31", -Math.floor((count - 1 - i) / 20));
  const title = `Synthetic release number ${i} about policing and asylum`;
  const body = Array.from({ length: 8 }, (_, k) => ({ type: "paragraph" as const, text: `${PARAGRAPH} (${i}.${k})` }));
  const base = { id: canonicalId("Home Office", date, title), title, kind: i % 5 === 0 ? "speech" : "press-release", department: "Home Office", date, summary: body[0]!.text, body };
  const hash = contentHash(base);
  const at = "2026-01-01T00:00:00.000Z";
  return { ...base, firstSeenAt: at, updatedAt: at, hash, revisions: [{ hash, recordedAt: at, title, summary: base.summary, body }], provenance: [{ sourceId: "history", origin: "dump", firstSeenAt: at, lastHash: hash }] };
}

function dumpWith(i: number): string {
  const title = `Fresh release ${i} on facial recognition`;
  return `Tag: Home Office\n\n  • PRESS RELEASE : ${title} [November 2026]\n\n    PRESS RELEASE : ${title} [November 2026]\n\n    The press release issued by the Home Office on 2${i % 8} November 2026.\n\n    ${PARAGRAPH}\n\n    Second paragraph ${i}.\n`;
}

/** Seeds `count` releases through store.commit in batches of 10,000 (the store reopened every 20,000, as runs do). */
export async function seedReleases(target: StateTarget, count: number): Promise<void> {
  const batch = 10_000;
  let store: StateStore | undefined;
  for (let start = 0; start < count; start += batch) {
    if (!store || start % 20_000 === 0) {
      await store?.close();
      store = await openState(target, { clock: fixedClock("2026-11-01T00:00:00Z") });
    }
    const releases = Array.from({ length: Math.min(batch, count - start) }, (_, k) => syntheticRelease(start + k, count));
    const entry = (r: StoredRelease) => ({ id: r.id, date: r.date, updatedAt: r.updatedAt });
    await store.commit({ releases, placements: releases.flatMap((r) => [{ feed: "all", entry: entry(r) }, { feed: `kinds/${r.kind}`, entry: entry(r) }]), dirty: ["all", `kinds/speech`, `kinds/press-release`] });
  }
  await store?.close();
}

/** Median ms of runs (open, runOnce, close) that each add one release to a state seeded with `count`. */
export async function timeAddOne(engine: Engine, count: number, rounds: number): Promise<{ ms: number; seedMs: number }> {
  const fresh = await freshTarget(engine);
  try {
    const s0 = performance.now();
    await seedReleases(fresh.target, count);
    const seedMs = performance.now() - s0;
    const clock = fixedClock("2026-11-29T10:00:00Z");
    // The first run renders the seeded feeds; it is not timed.
    const times: number[] = [];
    for (let r = -1; r < rounds; r++) {
      const file = join(fresh.dir, `dump-${r + 1}.txt`);
      await writeFile(file, dumpWith(r + 1));
      const config = parseConfig({ sources: [{ id: `inbox-${r + 1}`, type: "dump", path: file }], feeds: { topics: [] } });
      const t0 = performance.now();
      const store = await openState(fresh.target, { clock, feedEntries: config.feeds.entries, searchKeys: releaseIndexKeys });
      await runOnce({ owner: "bench", config, baseDir: fresh.dir, store, http: createHttpFetcher({}), clock, log: silentLogger, compose: COMPOSE });
      await store.close();
      if (r >= 0) times.push(performance.now() - t0);
    }
    return { ms: median(times), seedMs };
  } finally {
    await fresh.drop();
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Marking deliveries sent one by one

function syntheticDelivery(i: number): Delivery {
  const at = "2026-11-29T09:00:00.000Z";
  return {
    id: `bench-${i.toString(36).padStart(6, "0")}`,
    email: `reader${i}@example.org`,
    releaseId: `release-${i}`,
    revisionHash: "h".repeat(16),
    revision: false,
    topics: [{ id: "t", query: "asylum" }],
    frequency: "instant" as Delivery["frequency"],
    snapshot: { title: `Release ${i}`, kind: "press-release", department: "Home Office", date: "2026-11-29", summary: PARAGRAPH, snippet: { text: PARAGRAPH, highlights: [[4, 8]] } },
    status: "pending",
    createdAt: at,
    dueAt: at,
    attempts: 0,
  };
}

/** Per-mark ms of claiming and acknowledging, one at a time, every one of `count` queued deliveries. */
export async function timeMarks(engine: Engine, count: number): Promise<number> {
  const fresh = await freshTarget(engine);
  const clock = fixedClock("2026-11-29T10:00:00Z");
  const now = clock.now();
  try {
    const store = await openState(fresh.target, { clock });
    try {
      for (let start = 0; start < count; start += 2_000) {
        await store.commit({ deliveries: Array.from({ length: Math.min(2_000, count - start) }, (_, k) => syntheticDelivery(start + k)) });
      }
      const t0 = performance.now();
      for (let n = 0; n < count; n++) {
        const [d] = await store.outbox.claimDue("bench", 60_000, 1, now);
        if (!d) throw new Error(`nothing to claim after ${n} marks`);
        await store.outbox.ack([{ id: d.id, status: "sent", sentAt: now.toISOString() }]);
      }
      return (performance.now() - t0) / count;
    } finally {
      await store.close();
    }
  } finally {
    await fresh.drop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv[2] === "import") {
  limitHeapGrowth(); // the child stands for a CLI import, which sets this first
  importChild(process.argv[3]!, process.argv.slice(4)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

// ---------------------------------------------------------------------------------------------
// The report

const fmt = (n: number, digits = 1) => n.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const int = (n: number) => Math.round(n).toLocaleString("en-GB");
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");

/** `npm run bench -- state`: prints as it goes (a full run takes minutes). */
export async function benchState(options: { quick?: boolean; only?: string } = {}): Promise<void> {
  const available: Engine[] = benchDatabaseUrl() ? ["lowdb", "postgres"] : ["lowdb"];
  if (available.length === 1) console.log("state    no PRESSROOM_BENCH_DATABASE_URL or PRESSROOM_TEST_DATABASE_URL: lowdb only (PostgreSQL not measured)");
  // PRESSROOM_BENCH_ENGINE=lowdb|postgres measures one engine (a full run of both takes half an hour).
  const chosen = process.env.PRESSROOM_BENCH_ENGINE;
  const engines = chosen ? available.filter((e) => e === chosen) : available;
  if (engines.length === 0) throw new Error(`PRESSROOM_BENCH_ENGINE=${chosen}: not one of ${available.join(", ")}`);
  const want = (part: string) => !options.only || options.only === part;
  if (want("import")) {
    const dumps = await writeDumps(5);
    try {
      console.log(`state    import: dump of 20,000 releases = ${fmt(dumps.mediumMB)} MB, parseDump alone ${int(dumps.parseMs)} ms (median of 5); chronological (120 releases a month); imports run in a child process (pipeline runOnce, dump source)`);
      for (const engine of engines) {
        const limitMs = Number(process.env.PRESSROOM_BENCH_IMPORT_LIMIT_S ?? 240) * 1000;
        const b = await benchImport(engine, dumps, options.quick ? { small: 1, medium: 1, large: 0 } : { small: 3, medium: 1, large: 1 }, limitMs);
        for (const r of b.rows) {
          const stopped = r.partial ? ` — STOPPED at the ${limitMs / 1000} s limit after ${int(r.added)} releases (cost per release over those)` : "";
          console.log(`         ${engine.padEnd(8)} ${int(r.releases).padStart(7)} releases${r.files > 1 ? ` (${r.files} dumps of 20,000)` : ""}: ${fmt(r.ms / 1000, 2)} s · ${fmt(r.perReleaseMs * 1000, 0)} µs/release · peak RSS ${int(r.maxRssMB)} MB${r.releases === 100_000 ? ` (target ≤ 400 MB: ${verdict(r.maxRssMB <= 400)})` : ""} · ${int(r.added)} new${stopped}`);
        }
        console.log(`         ${engine.padEnd(8)} import ÷ parse at 20,000: ${fmt(b.ratio, 1)}× (target ≤ 10×: ${verdict(b.ratio <= 10)}) · cost per release max ÷ min: ${fmt(b.flatness, 2)}× (target ≤ 1.5×: ${verdict(b.flatness <= 1.5)}) · issue 8 before the rewrite: 9 min 47 s and 1.15 GB for 20,000`);
      }
    } finally {
      await rm(dumps.dir, { recursive: true, force: true });
    }
  }
  if (want("growth")) {
    const large = options.quick ? 20_000 : 200_000;
    for (const engine of engines) {
      await timeAddOne(engine, 200, 2); // warm-up
      const small = await timeAddOne(engine, 200, 7);
      const big = await timeAddOne(engine, large, 7);
      const ratio = big.ms / small.ms;
      console.log(`state    ${engine.padEnd(8)} run adding 1 release: ${fmt(small.ms)} ms on 200 · ${fmt(big.ms)} ms on ${int(large)} (seeded in ${fmt(big.seedMs / 1000)} s) · ratio ${fmt(ratio, 2)}× (target ≤ 1.5×: ${verdict(ratio <= 1.5)}) · medians of 7`);
    }
  }
  if (want("marks")) {
    const large = options.quick ? 2_000 : 10_000;
    for (const engine of engines) {
      await timeMarks(engine, 100); // warm-up
      const smalls: number[] = [];
      for (let i = 0; i < 5; i++) smalls.push(await timeMarks(engine, 100));
      // One pass at 10,000 is itself the mean of 10,000 marks.
      const big = await timeMarks(engine, large);
      const ratio = big / median(smalls);
      console.log(`state    ${engine.padEnd(8)} marking sent one by one (claimDue + ack): ${fmt(median(smalls), 2)} ms/mark at 100 (median of 5 passes) · ${fmt(big, 2)} ms/mark at ${int(large)} (one pass) · ratio ${fmt(ratio, 2)}× (target ≤ 1.5×: ${verdict(ratio <= 1.5)})`);
    }
  }
}
