/**
 * `npm run bench -- search`: `pressroom search` (the real CLI, a child process per query) on a
 * state of 100,000 releases, each engine, answered from the persisted search index the commits
 * kept. Reported per query: wall time and peak RSS of the whole process. References in the same
 * run: a bare `node` process start (`pressroom --version`), and one plain tokenising pass over the
 * same text (what any answer without an index must at least cost).
 */
process.env.UV_THREADPOOL_SIZE ??= "8";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fixedClock } from "../src/core/clock.js";
import type { StoredRelease } from "../src/core/release.js";
import { releaseIndexKeys } from "../src/match/search-index.js";
import { scanTokens } from "../src/match/tokenize.js";
import { openState, type StateTarget } from "../src/store/index.js";
import { benchDatabaseUrl, createFreshDatabase } from "./fresh-database.js";
import { syntheticRelease } from "./serve-bench.js";

const RELEASES = Number(process.env.PRESSROOM_BENCH_RELEASES ?? 100_000);
const ENGINES = (process.env.PRESSROOM_BENCH_ENGINES ?? "lowdb,postgres").split(",");
const MAIN = resolve(import.meta.dirname, "../../dist/cli/main.js");

/** The queries timed: a rare code, common words joined, a phrase, a negation, a kind, relevance. */
function queries(n: number): { label: string; args: string[] }[] {
  const rare = `zq${Math.floor(n * 0.37)}x1`;
  return [
    { label: `rare code (${rare})`, args: [rare] },
    { label: "asylum AND hotel", args: ["asylum AND hotel"] },
    { label: "\"facial recognition\"", args: ["\"facial recognition\""] },
    { label: "knife AND NOT drugs", args: ["knife AND NOT drugs"] },
    { label: "kind:speech AND visa", args: ["kind:speech AND visa"] },
    { label: "NOT asylum", args: ["NOT asylum"] },
    { label: `relevance: ${rare} OR zq${Math.floor(n * 0.71)}x2`, args: [`${rare} OR zq${Math.floor(n * 0.71)}x2`, "--sort", "relevance"] },
  ];
}

async function seed(target: StateTarget): Promise<number> {
  const t0 = performance.now();
  const batch = 5_000;
  let store: Awaited<ReturnType<typeof openState>> | undefined;
  for (let start = 0; start < RELEASES; start += batch) {
    if (!store || start % 20_000 === 0) {
      await store?.close();
      // As the CLI opens it: commits keep the search index.
      store = await openState(target, { clock: fixedClock("2026-01-01T00:00:00Z"), searchKeys: releaseIndexKeys });
    }
    await new Promise((r) => setImmediate(r));
    await store.commit({ releases: Array.from({ length: Math.min(batch, RELEASES - start) }, (_, k) => syntheticRelease(start + k)) });
  }
  await store?.close();
  return performance.now() - t0;
}

interface Timed {
  readonly ms: number;
  readonly rssMb: number;
  readonly code: number | null;
  readonly stdout: string;
}

/** Runs the CLI under /usr/bin/time: wall ms and peak RSS (max resident set) of the process. */
function timeCli(args: readonly string[], env: Record<string, string>): Promise<Timed> {
  return new Promise((done, reject) => {
    const t0 = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "%M", process.execPath, MAIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const kb = Number(/(\d+)\s*$/.exec(stderr)?.[1] ?? Number.NaN);
      done({ ms: performance.now() - t0, rssMb: kb / 1024, code, stdout });
    });
  });
}

/** One plain tokenising pass over every release's text, in this process (the releases generated again, untimed). */
function tokenisePassMs(): number {
  const releases: StoredRelease[] = Array.from({ length: RELEASES }, (_, i) => syntheticRelease(i));
  let n = 0;
  const t0 = performance.now();
  for (const r of releases) {
    const count = () => {
      n++;
    };
    scanTokens(r.title, count);
    scanTokens(r.summary, count);
    for (const b of r.body) if (b.type === "paragraph") scanTokens(b.text, count);
  }
  const ms = performance.now() - t0;
  if (n === 0) throw new Error("no tokens");
  return ms;
}

export interface SearchBenchEngine {
  readonly engine: string;
  readonly seedMs: number;
  readonly rows: { label: string; ms: number; rssMb: number; matches: number; ok: boolean }[];
}

export interface SearchBench {
  readonly releases: number;
  readonly processStart: { ms: number; rssMb: number };
  readonly tokeniseMs: number;
  readonly engines: SearchBenchEngine[];
}

async function benchEngine(engine: "lowdb" | "postgres"): Promise<SearchBenchEngine> {
  const dir = await mkdtemp(join(tmpdir(), "pressroom-search-bench-"));
  const admin = benchDatabaseUrl();
  const db = engine === "postgres" && admin ? await createFreshDatabase(admin, "pressroom_sb") : undefined;
  try {
    const target: StateTarget = db ? { kind: "postgres", url: db.url } : { kind: "lowdb", dir: join(dir, "state") };
    const seedMs = await seed(target);
    const env: Record<string, string> = db ? { PRESSROOM_DATABASE_URL: db.url } : {};
    const where = db ? [] : ["--state", join(dir, "state")];
    const rows = [];
    for (const q of queries(RELEASES)) {
      // Twice: the first read of a file or table may come from disk; the figure is the second.
      await timeCli(["search", ...q.args, "--json", "-n", "20", ...where], env);
      const t = await timeCli(["search", ...q.args, "--json", "-n", "20", ...where], env);
      const out = t.code === 0 ? (JSON.parse(t.stdout) as { releases: number; matches: unknown[] }) : undefined;
      rows.push({ label: q.label, ms: t.ms, rssMb: t.rssMb, matches: out?.matches.length ?? -1, ok: out?.releases === RELEASES });
    }
    return { engine, seedMs, rows };
  } finally {
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchSearch(report: (line: string) => void = console.log): Promise<SearchBench> {
  if (!existsSync(MAIN)) throw new Error(`search bench: ${MAIN} is missing; run npm run build first`);
  await timeCli(["--version"], {});
  const start = await timeCli(["--version"], {});
  const tokeniseMs = tokenisePassMs();
  const engines: SearchBenchEngine[] = [];
  const fmt = (n: number, d = 0) => n.toLocaleString("en-GB", { maximumFractionDigits: d, minimumFractionDigits: d });
  const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
  report(`search   ${fmt(RELEASES)} releases · the real CLI, one process per query (--json -n 20), second of two runs`);
  report(`         reference: node process start (pressroom --version) ${fmt(start.ms)} ms, ${fmt(start.rssMb)} MB · one plain tokenising pass over the same text ${fmt(tokeniseMs)} ms (in process)`);
  for (const engine of ENGINES) {
    if (engine === "postgres" && !benchDatabaseUrl()) {
      report("  postgres: not run (no PRESSROOM_BENCH_DATABASE_URL or PRESSROOM_TEST_DATABASE_URL)");
      continue;
    }
    const e = await benchEngine(engine as "lowdb" | "postgres");
    engines.push(e);
    report(`  ${e.engine}: seeded in ${fmt(e.seedMs / 1000, 1)} s (commits of 5,000 keeping the index)`);
    for (const r of e.rows) {
      report(`    ${r.label.padEnd(44)} ${fmt(r.ms).padStart(6)} ms (target < 1,000: ${verdict(r.ms < 1000)}) · ÷ tokenising pass ${fmt(r.ms / tokeniseMs, 2)}× · ÷ process start ${fmt(r.ms / start.ms, 1)}× · peak RSS ${fmt(r.rssMb)} MB (target < 300: ${verdict(r.rssMb < 300)}) · ${r.matches} shown${r.ok ? "" : " · WRONG release count"}`);
    }
  }
  return { releases: RELEASES, processStart: { ms: start.ms, rssMb: start.rssMb }, tokeniseMs, engines };
}
