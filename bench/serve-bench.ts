/**
 * `npm run bench -- serve`: `pressroom serve` (a real child process, each engine) against a minimal
 * node:http server answering the same bytes from memory, with autocannon at 32 connections for 5 s;
 * then live topic feeds on the same 100,000-release state: 50 different queries at once.
 */
// Seeding fsyncs hundreds of shard files per commit: with libuv's 4 threads the lock's refresh can
// starve behind them on a busy machine (the lock is then "compromised"). Set before any fs call.
process.env.UV_THREADPOOL_SIZE ??= "8";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import autocannon from "autocannon";
import pg from "pg";
import { parseConfig } from "../src/config/load.js";
import { fixedClock } from "../src/core/clock.js";
import { canonicalId, contentHash } from "../src/core/ids.js";
import { addDays } from "../src/core/london.js";
import type { StoredRelease } from "../src/core/release.js";
import { archiveMonthOf } from "../src/feeds/index.js";
import { releaseIndexKeys } from "../src/match/search-index.js";
import { renderFeed } from "../src/pipeline/write-feeds.js";
import { openState, type StateTarget } from "../src/store/index.js";

const RELEASES = Number(process.env.PRESSROOM_BENCH_RELEASES ?? 100_000);
const CONNECTIONS = 32;
const SECONDS = Number(process.env.PRESSROOM_BENCH_SECONDS ?? 5);
const LIVE_QUERIES = 50;
/** Engines to run (default both; PostgreSQL when PRESSROOM_BENCH_DATABASE_URL or PRESSROOM_TEST_DATABASE_URL is set). */
const ENGINES = (process.env.PRESSROOM_BENCH_ENGINES ?? "lowdb,postgres").split(",");

export const WORDS = ("asylum police visa border crime knife drugs fraud terrorism policing immigration refugee hotel boats channel "
  + "passport cyber security victims violence prison courts officers funding grant review consultation strategy data "
  + "technology facial recognition vans patrols community neighbourhood safety investment training recruitment scheme "
  + "families children women girls modern slavery trafficking exploitation gangs county lines firearms licensing "
  + "detention removal returns deportation settlement citizenship fees appeals tribunal inspection report statistics").split(" ");

/** Deterministic pseudo-random words: every release has its own mix, with a few rare tokens. */
function wordsFor(i: number, k: number, n: number): string {
  let x = (i * 2654435761 + k * 40503) >>> 0;
  const out: string[] = [];
  for (let w = 0; w < n; w++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out.push(WORDS[x % WORDS.length]!);
  }
  return out.join(" ");
}

export function syntheticRelease(i: number): StoredRelease {
  // ~520 releases a month: one month's archive is about 1 MB.
  const date = addDays("2010-01-01", Math.floor(i / 17));
  const title = `Release ${i}: ${wordsFor(i, 0, 6)}`;
  const body = Array.from({ length: 3 }, (_, k) => ({ type: "paragraph" as const, text: `The Home Office announced ${wordsFor(i, k + 1, 40)}. Reference code zq${i}x${k}.` }));
  const base = { id: canonicalId("Home Office", date, title), title, kind: i % 5 === 0 ? "speech" : "press-release", department: "Home Office", date, summary: `Summary: ${wordsFor(i, 9, 20)}.`, body };
  const hash = contentHash(base);
  const at = `${date}T12:00:00.000Z`;
  return { ...base, firstSeenAt: at, updatedAt: at, hash, revisions: [{ hash, recordedAt: at, title, summary: base.summary, body }], provenance: [{ sourceId: "history", origin: "dump", firstSeenAt: at, lastHash: hash }] };
}

const config = parseConfig({ sources: [], feeds: { baseUrl: "http://bench.invalid", entries: 50, topics: [] } });

/** Seeds the state; returns the month whose archive is served. */
async function seed(target: StateTarget): Promise<string> {
  // As the CLI opens it: every commit keeps the persisted search index the server answers from.
  const store = await openState(target, { clock: fixedClock("2026-01-01T00:00:00Z"), feedEntries: 50, searchKeys: releaseIndexKeys });
  try {
    // Commits of 5,000: the figures are the server's, and smaller commits only make seeding slow.
    const batch = 5_000;
    for (let start = 0; start < RELEASES; start += batch) {
      // Lets the lock's refresh timer run between units (a long synchronous stretch looks like a dead holder).
      await new Promise((r) => setImmediate(r));
      const releases = Array.from({ length: Math.min(batch, RELEASES - start) }, (_, k) => syntheticRelease(start + k));
      const entry = (r: StoredRelease) => ({ id: r.id, date: r.date, updatedAt: r.updatedAt });
      await store.commit({ releases, placements: releases.flatMap((r) => [{ feed: "all", entry: entry(r) }, { feed: `kinds/${r.kind}`, entry: entry(r) }]) });
    }
    const month = archiveMonthOf(syntheticRelease(Math.floor(RELEASES / 2)));
    const names = ["all", `archive/${month}`];
    const renders = [];
    for (const name of names) renders.push(await renderFeed(config, store, name));
    await store.feeds.publish(renders.map((r) => ({ name: r.name, xml: r.xml, entries: r.entries })), names);
    return month;
  } finally {
    await store.close();
  }
}

interface Figures {
  readonly notModified: number;
  readonly full: number;
}

async function hammer(url: string, headers: Record<string, string>): Promise<{ rps: number; non2xx: number; errors: number }> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
  return { rps: result.requests.average, non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

/** 304 (If-None-Match) and full gzip GET requests/s for one path. */
async function measure(base: string, path: string): Promise<Figures & { bytes: number; gzipBytes: number }> {
  const first = await fetch(`${base}${path}`, { headers: { "accept-encoding": "gzip" } });
  const etag = first.headers.get("etag")!;
  const gz = Number(first.headers.get("content-length"));
  const plain = await fetch(`${base}${path}`, { headers: { "accept-encoding": "identity" } });
  const bytes = (await plain.arrayBuffer()).byteLength;
  await first.arrayBuffer();
  const nm = await hammer(`${base}${path}`, { "if-none-match": etag, "accept-encoding": "gzip" });
  const full = await hammer(`${base}${path}`, { "accept-encoding": "gzip" });
  if (nm.errors || full.errors) console.log(`         (errors: ${nm.errors + full.errors})`);
  return { notModified: nm.rps, full: full.rps, bytes, gzipBytes: gz };
}

/** The reference: the same bytes from memory, with a precomputed ETag and gzip. */
async function startReference(docs: Map<string, Buffer>): Promise<{ url: string; server: Server }> {
  const prepared = new Map([...docs].map(([path, body]) => [path, { body, gzip: gzipSync(body), etag: `"${path.length}-${body.length}"` }]));
  const server = createServer((req, res) => {
    const doc = prepared.get(req.url ?? "");
    if (!doc) {
      res.writeHead(404).end();
      return;
    }
    if (req.headers["if-none-match"] === doc.etag) {
      res.writeHead(304, { ETag: doc.etag }).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "application/atom+xml; charset=utf-8", "Content-Encoding": "gzip", ETag: doc.etag, "Content-Length": String(doc.gzip.length) });
    res.end(doc.gzip);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function startServe(dir: string, target: StateTarget): Promise<{ url: string; child: ChildProcess }> {
  const configFile = join(dir, "pressroom.yaml");
  await writeFile(configFile, `feeds:\n  baseUrl: http://bench.invalid\n  entries: 50\nsources: []\n`);
  // The real `pressroom serve`, as built by `npm run build` (run first; `npm test` does it too).
  const main = resolve(import.meta.dirname, "../../dist/cli/main.js");
  if (!existsSync(main)) throw new Error(`serve bench: ${main} is missing; run npm run build first`);
  const env = { ...process.env, ...(target.kind === "postgres" ? { PRESSROOM_DATABASE_URL: target.url } : {}), PRESSROOM_SECRET: "bench-secret-0123456789-abcdefghij" };
  const child = spawn(process.execPath, [main, "serve", "--config", configFile, "--state", target.kind === "lowdb" ? target.dir : join(dir, "unused"), "--port", "0"], { env, stdio: ["ignore", "pipe", "pipe"] });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = "";
    child.stderr!.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolveUrl(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`pressroom serve exited with ${code}: ${out}`)));
  });
  return { url, child };
}

export interface ServeBenchEngine {
  engine: string;
  allAtom: Figures & { bytes: number; gzipBytes: number };
  archive: Figures & { bytes: number; gzipBytes: number; month: string };
  reference: { allAtom: Figures; archive: Figures };
  live: { buildMs: number; queries: number; answered: number; wallMs: number; slowestMs: number; rssMb: number; peakRssMb: number; healthMaxMs: number; healthSamples: number };
}

async function liveFigures(url: string, pid: number): Promise<ServeBenchEngine["live"]> {
  const t0 = performance.now();
  // The first live query waits for the index the server builds at start.
  const warm = await fetch(`${url}/feeds/topics?q=${encodeURIComponent("asylum AND hotel")}`);
  await warm.arrayBuffer();
  const buildMs = performance.now() - t0;
  const queries = Array.from({ length: LIVE_QUERIES }, (_, i) => {
    const a = WORDS[(i * 7) % WORDS.length]!;
    const b = WORDS[(i * 13 + 5) % WORDS.length]!;
    return [`${a} AND ${b}`, `"${a} ${b}"`, `zq${i * 997}x1 OR ${a}`, `${a} AND NOT ${b}`, `kind:speech AND ${a}`][i % 5]!;
  });
  let peak = rssMb(pid);
  let healthMax = 0;
  let samples = 0;
  let done = false;
  const health = (async () => {
    while (!done) {
      const h0 = performance.now();
      await (await fetch(`${url}/healthz`)).arrayBuffer();
      healthMax = Math.max(healthMax, performance.now() - h0);
      samples++;
      peak = Math.max(peak, rssMb(pid));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const w0 = performance.now();
  const results = await Promise.all(queries.map(async (q) => {
    const q0 = performance.now();
    const res = await fetch(`${url}/feeds/topics?q=${encodeURIComponent(q)}`);
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - q0 };
  }));
  const wallMs = performance.now() - w0;
  done = true;
  await health;
  return {
    buildMs,
    queries: queries.length,
    answered: results.filter((r) => r.status === 200).length,
    wallMs,
    slowestMs: Math.max(...results.map((r) => r.ms)),
    rssMb: rssMb(pid),
    peakRssMb: Math.max(peak, rssMb(pid)),
    healthMaxMs: healthMax,
    healthSamples: samples,
  };
}

async function benchEngine(engine: "lowdb" | "postgres", dir: string, databaseUrl?: string): Promise<ServeBenchEngine> {
  const target: StateTarget = engine === "lowdb" ? { kind: "lowdb", dir: join(dir, "state") } : { kind: "postgres", url: databaseUrl! };
  const month = await seed(target);
  const { url, child } = await startServe(dir, target);
  try {
    const allPath = "/feeds/all.atom";
    const archivePath = `/feeds/archive/${month}.atom`;
    const bodies = new Map<string, Buffer>();
    for (const p of [allPath, archivePath]) bodies.set(p, Buffer.from(await (await fetch(`${url}${p}`, { headers: { "accept-encoding": "identity" } })).arrayBuffer()));
    const ref = await startReference(bodies);
    try {
      // The server indexes every release in the background at start: measure once that is done
      // (the first live query waits for it), so feeds are timed in the steady state.
      const i0 = performance.now();
      await (await fetch(`${url}/feeds/topics?q=warmup`)).arrayBuffer();
      const indexMs = performance.now() - i0;
      const allAtom = await measure(url, allPath);
      const archive = await measure(url, archivePath);
      const refAll = await measure(ref.url, allPath);
      const refArchive = await measure(ref.url, archivePath);
      const live = await liveFigures(url, child.pid!);
      return { engine, allAtom, archive: { ...archive, month }, reference: { allAtom: refAll, archive: refArchive }, live: { ...live, buildMs: indexMs } };
    } finally {
      ref.server.close();
    }
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

/** A fresh database next to the one PRESSROOM_TEST_DATABASE_URL names (dropped afterwards). */
async function freshDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `pressroom_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function benchServe(report: (r: ServeBenchEngine) => void = () => {}): Promise<ServeBenchEngine[]> {
  const out: ServeBenchEngine[] = [];
  const push = (r: ServeBenchEngine) => {
    out.push(r);
    report(r);
  };
  const dir = await mkdtemp(join(tmpdir(), "pressroom-serve-bench-"));
  try {
    if (ENGINES.includes("lowdb")) push(await benchEngine("lowdb", dir));
    const pgUrl = process.env.PRESSROOM_BENCH_DATABASE_URL ?? process.env.PRESSROOM_TEST_DATABASE_URL;
    if (pgUrl && ENGINES.includes("postgres")) {
      const db = await freshDatabase(pgUrl);
      try {
        push(await benchEngine("postgres", dir, db.url));
      } finally {
        await db.drop();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");

/** Prints the serve benchmark (called by bench/run.ts for `npm run bench -- serve`). */
export async function printServeBench(): Promise<void> {
  await benchServe((r) => {
    const row = (what: string, mine: number, ref: number) => `${what} ${fmt(mine).padStart(7)} req/s · reference ${fmt(ref).padStart(7)} req/s · ratio ${fmt(mine / ref, 2)}× (target ≥ 0.7×: ${verdict(mine / ref >= 0.7)})`;
    console.log(`serve    [${r.engine}] ${fmt(RELEASES)} releases · autocannon ${CONNECTIONS} connections × ${SECONDS} s`);
    console.log(`         all.atom (50 entries, ${fmt(r.allAtom.bytes / 1024)} KB, gzip ${fmt(r.allAtom.gzipBytes / 1024)} KB)`);
    console.log(`           ${row("304      ", r.allAtom.notModified, r.reference.allAtom.notModified)}`);
    console.log(`           ${row("gzip GET ", r.allAtom.full, r.reference.allAtom.full)}`);
    console.log(`         archive/${r.archive.month}.atom (${fmt(r.archive.bytes / 1024 / 1024, 2)} MB, gzip ${fmt(r.archive.gzipBytes / 1024)} KB)`);
    console.log(`           ${row("304      ", r.archive.notModified, r.reference.archive.notModified)}`);
    console.log(`           ${row("gzip GET ", r.archive.full, r.reference.archive.full)}`);
    const l = r.live;
    console.log(`         live topics: index built at start in ${fmt(l.buildMs)} ms (waited for before timing feeds); ${l.queries} different queries at once: ${l.answered}/${l.queries} answered (${verdict(l.answered === l.queries)}) in ${fmt(l.wallMs)} ms, slowest ${fmt(l.slowestMs)} ms`);
    console.log(`           server RSS ${fmt(l.rssMb)} MB, peak ${fmt(l.peakRssMb)} MB (target < 500 MB: ${verdict(l.peakRssMb < 500)}) · /healthz max ${fmt(l.healthMaxMs, 1)} ms over ${l.healthSamples} samples (target < 100 ms: ${verdict(l.healthMaxMs < 100)})`);
  });
}
