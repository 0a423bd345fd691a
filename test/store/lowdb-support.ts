import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { StateStore } from "../../src/core/ports.js";

/* Support for the lowdb-only tests: the built engine for child processes, and running them. */

export const ROOT = resolve(import.meta.dirname, "../..");
export const CHILD = join(ROOT, "test/fixtures/lowdb/crash-child.mjs");

let engine: string | undefined;

/** The built engine module the child processes import (after `buildEngine`). */
export function enginePath(): string {
  if (!engine) throw new Error("call buildEngine() first (in beforeAll)");
  return engine;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

/**
 * Compiles src/core and src/store/lowdb (tsconfig.lowdb-build.json) for the child processes, into
 * `.tmp/lowdb-build-<hash of the sources>/` inside the repository (so node_modules resolve). Test
 * files running in parallel share one build: each builds into a folder of its own and renames it
 * into place; an existing build of the same sources is reused.
 */
export async function buildEngine(): Promise<string> {
  const hash = createHash("sha1");
  // src/store's own files (shared by both engines) are compiled in too, through the imports.
  const shared = (await readdir(join(ROOT, "src/store"))).filter((f) => f.endsWith(".ts")).map((f) => join(ROOT, "src/store", f));
  for (const file of [...(await sourceFiles(join(ROOT, "src/core"))), ...shared.sort(), ...(await sourceFiles(join(ROOT, "src/store/lowdb")))]) {
    hash.update(file).update(await readFile(file));
  }
  const out = join(ROOT, ".tmp", `lowdb-build-${hash.digest("hex").slice(0, 12)}`);
  const module = join(out, "store/lowdb/open-lowdb-state.js");
  if (!existsSync(module)) {
    const temp = `${out}.${process.pid}.${randomBytes(4).toString("hex")}`;
    await promisify(execFile)(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.lowdb-build.json"), "--outDir", temp], { cwd: ROOT });
    await rename(temp, out).catch(async () => {
      if (!existsSync(module)) throw new Error(`the build did not produce ${module}`);
      await rm(temp, { recursive: true, force: true });
    });
  }
  // Builds of older sources are of no further use.
  for (const name of await readdir(join(ROOT, ".tmp"))) {
    if (name.startsWith("lowdb-build-") && join(ROOT, ".tmp", name) !== out && !name.includes(".")) await rm(join(ROOT, ".tmp", name), { recursive: true, force: true });
  }
  engine = module;
  return module;
}

/** Runs the crash child; resolves with how it ended. */
export function runChild(dir: string, payloadFile: string, crashAfter: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, payloadFile, String(crashAfter)], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => resolvePromise({ code, signal, stderr }));
  });
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * Runs a unit of work in a child killed after its Nth durable write, for N = 1, 2, … until the
 * child finishes; `check` inspects each copy of the prepared state. Returns how many writes the unit makes.
 */
export async function crashMatrix(template: string, payload: Record<string, unknown>, check: (dir: string, n: number) => Promise<void>, maxWrites = 200): Promise<number> {
  const work = await tempDir("pressroom-crash-");
  try {
    const payloadFile = join(work, "payload.json");
    await writeFile(payloadFile, JSON.stringify({ ...payload, engine: enginePath() }));
    for (let n = 1; n <= maxWrites; n++) {
      const dir = join(work, `n${n}`);
      await cp(template, dir, { recursive: true });
      const result = await runChild(dir, payloadFile, n);
      if (result.code === 0) {
        await check(dir, n);
        return n - 1;
      }
      if (result.signal !== "SIGKILL") throw new Error(`child for N=${n} ended with ${result.code ?? result.signal}: ${result.stderr}`);
      await check(dir, n);
      await rm(dir, { recursive: true, force: true });
    }
    throw new Error(`the unit did more than ${maxWrites} writes`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Files under a folder (relative paths), recursively. */
export async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

/** The ids (sorted) of a search index's candidates for one key; undefined when the index does not cover the state. */
export async function candidateIds(store: StateStore, key: string): Promise<string[] | undefined> {
  const found = await store.search.candidates([[key]]);
  if (!found) return undefined;
  const out: string[] = [];
  for (let batch = await found.next(500); batch.length > 0; batch = await found.next(500)) out.push(...batch.map((e) => e.id));
  return out.sort();
}
