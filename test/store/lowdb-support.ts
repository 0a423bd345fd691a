import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

/* Support for the lowdb-only tests: the built engine for child processes, and running them. */

export const ROOT = resolve(import.meta.dirname, "../..");
export const ENGINE = join(ROOT, "dist/store/lowdb/open-lowdb-state.js");
export const CHILD = join(ROOT, "test/fixtures/lowdb/crash-child.mjs");

/** Builds src/core and src/store/lowdb into dist/ (what the child processes import). */
export async function buildEngine(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.lowdb-build.json")], { cwd: ROOT });
  if (!existsSync(ENGINE)) throw new Error(`the build did not produce ${ENGINE}`);
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
    await writeFile(payloadFile, JSON.stringify({ ...payload, engine: ENGINE }));
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
