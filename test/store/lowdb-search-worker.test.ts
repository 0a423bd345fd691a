import { readFile, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { memoryLogger, type Logger } from "../../src/core/logger.js";
import type { SearchKeys, StateStore } from "../../src/core/ports.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { makeRelease, NOW } from "./contract/fixtures.js";
import { buildEngine, enginePath, listFiles, ROOT, runChild, tempDir } from "./lowdb-support.js";

/*
 * An import's big commits (300 releases and more) have their search segments built on a worker
 * thread while the store goes on. The worker runs from JavaScript, so these tests open the built
 * engine (lowdb-support.ts), with keys a worker can import (test/fixtures/lowdb/search-keys.mjs);
 * the keys add `built:worker` or `built:main`, naming the thread that built a release's segment.
 * `slowOnWorker` takes 5 ms a release on the worker (1.5 s a commit of 300), so its builds are
 * still running when the test asks, or when the child is killed.
 */

const KEYS = join(ROOT, "test/fixtures/lowdb/search-keys.mjs");
const clock = fixedClock(NOW);
type Open = typeof openLowdbState;
type Keys = Record<"wordKeys" | "slowOnWorker" | "failOnWorker" | "missingModule", SearchKeys>;

const chunk = (n: number, from = 0) => Array.from({ length: n }, (_, i) => makeRelease(`Imported glacier report ${from + i}`, `2023-10-${String(((from + i) % 28) + 1).padStart(2, "0")}`));

async function ids(store: StateStore, key: string): Promise<string[] | undefined> {
  const found = await store.search.candidates([[key]]);
  if (!found) return undefined;
  const out: string[] = [];
  for (let batch = await found.next(500); batch.length > 0; batch = await found.next(500)) out.push(...batch.map((e) => e.id));
  return out.sort();
}

const manifestOf = async (dir: string) => JSON.parse(await readFile(join(dir, "search/manifest.json"), "utf8")) as { complete: boolean; segments: { file: string; docs: number; pending?: true }[] };

describe("lowdb search segments built on a worker thread", () => {
  let built: Open;
  let keys: Keys;
  const dirs: string[] = [];
  const fresh = async () => {
    const dir = await tempDir("pressroom-worker-");
    dirs.push(dir);
    return dir;
  };
  const open = (dir: string, searchKeys: SearchKeys, log?: Logger) => built(dir, { clock, lockWaitMs: 2_000, searchKeys, ...(log ? { log } : {}) });

  beforeAll(async () => {
    built = ((await import(pathToFileURL(await buildEngine()).href)) as { openLowdbState: Open }).openLowdbState;
    keys = (await import(pathToFileURL(KEYS).href)) as Keys;
  }, 120_000);
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("builds an import's segments on the worker; queries wait for them; close leaves every segment built and listed", async () => {
    const dir = await fresh();
    const store = await open(dir, keys.slowOnWorker);
    const all: string[] = [];
    try {
      for (let c = 0; c < 3; c++) {
        const releases = chunk(300, c * 300);
        all.push(...releases.map((r) => r.id));
        await store.commit({ releases });
        // The commit did not wait for its segment: the unit lists it as pending.
        const listed = (await manifestOf(dir)).segments;
        expect(listed[listed.length - 1]!.pending).toBe(true);
        // Asked at once, the index already names this commit's releases (the query waits for the build).
        expect(await ids(store, "glacier")).toEqual([...all].sort());
      }
      expect(await ids(store, "built:worker")).toEqual([...all].sort());
      expect(await ids(store, "built:main")).toEqual([]);
      expect(await ids(store, "450")).toEqual([chunk(1, 450)[0]!.id]);
    } finally {
      await store.close();
    }
    const manifest = await manifestOf(dir);
    expect(manifest.complete).toBe(true);
    expect(manifest.segments.filter((s) => s.pending)).toEqual([]);
    expect(manifest.segments.reduce((n, s) => n + s.docs, 0)).toBe(900);
    const files = (await listFiles(dir, "search")).filter((f) => f.includes("seg-"));
    expect(files.sort()).toEqual(manifest.segments.map((s) => s.file).sort());
    // The TypeScript engine (no worker) reads what the worker wrote.
    const again = await openLowdbState(dir, { clock, searchKeys: keys.wordKeys });
    try {
      expect(await ids(again, "glacier")).toEqual([...all].sort());
    } finally {
      await again.close();
    }
  });

  it("a build that fails on the worker, or a worker that cannot start, leaves the index incomplete and says so; a rebuild makes it whole", async () => {
    for (const name of ["failOnWorker", "missingModule"] as const) {
      const dir = await fresh();
      const log = memoryLogger();
      const store = await open(dir, keys[name], log);
      const releases = chunk(300);
      try {
        await store.commit({ releases });
        // The releases are stored; the index does not pretend to hold them.
        expect(await store.releases.count()).toBe(300);
        expect(await ids(store, "glacier")).toBeUndefined();
        expect(log.entries.some((e) => e.level === "warn" && e.message.startsWith("search worker failed"))).toBe(true);
      } finally {
        await store.close();
      }
      expect((await manifestOf(dir)).complete).toBe(false);
      const again = await open(dir, keys[name]);
      try {
        // Search's own answer to an incomplete index: a rebuild, on this thread.
        expect(await again.search.rebuild()).toBe(300);
        expect(await ids(again, "glacier")).toEqual(releases.map((r) => r.id).sort());
        expect(await ids(again, "built:main")).toEqual(releases.map((r) => r.id).sort());
      } finally {
        await again.close();
      }
    }
  });

  it("a worker stopped while idle starts again for the next build", { timeout: 60_000 }, async () => {
    const dir = await fresh();
    const store = await open(dir, keys.wordKeys);
    try {
      await store.commit({ releases: chunk(300) });
      expect(await ids(store, "built:worker")).toHaveLength(300);
      // Past the worker's idle time (10 s): it has stopped.
      await new Promise((resolve) => setTimeout(resolve, 10_500));
      await store.commit({ releases: chunk(300, 300) });
      expect(await ids(store, "built:worker")).toEqual(chunk(600).map((r) => r.id).sort());
    } finally {
      await store.close();
    }
  });

  it("a pending segment whose file was lost leaves the index incomplete, and a rebuild makes it whole", async () => {
    const dir = await fresh();
    const first = await open(dir, keys.wordKeys);
    const releases = chunk(600);
    await first.commit({ releases: releases.slice(0, 300) });
    await first.commit({ releases: releases.slice(300) });
    await first.close();
    // As a crash leaves it: the unit listed the last segment, its build never wrote the file.
    const manifest = await manifestOf(dir);
    const last = manifest.segments[manifest.segments.length - 1]!;
    await writeFile(join(dir, "search/manifest.json"), JSON.stringify({ ...manifest, segments: [...manifest.segments.slice(0, -1), { ...last, pending: true }] }));
    await unlink(join(dir, last.file));

    const store = await open(dir, keys.wordKeys);
    try {
      expect(await ids(store, "glacier")).toBeUndefined();
      // The next commit records that the index misses releases, and does not index on top of it.
      await store.commit({ releases: chunk(300, 600) });
      expect((await manifestOf(dir)).complete).toBe(false);
      expect(await ids(store, "glacier")).toBeUndefined();
      expect(await store.search.rebuild()).toBe(900);
      expect(await ids(store, "glacier")).toEqual(chunk(900).map((r) => r.id).sort());
    } finally {
      await store.close();
    }
  });

  it("killed while its builds run, the state reopens with the index incomplete, and a rebuild finds every release", { timeout: 120_000 }, async () => {
    const work = await fresh();
    const releases = chunk(900);
    const payloadFile = join(work, "payload.json");
    await writeFile(payloadFile, JSON.stringify({ scenario: "commit-worker-kill", now: NOW, keysModule: pathToFileURL(KEYS).href, keysName: "slowOnWorker", engine: enginePath(), commits: [0, 1, 2].map((c) => ({ releases: releases.slice(c * 300, c * 300 + 300) })) }));
    for (let round = 0; round < 2; round++) {
      const dir = join(work, `r${round}`);
      const result = await runChild(dir, payloadFile, 0);
      expect(result.signal, result.stderr).toBe("SIGKILL");
      const store = await openLowdbState(dir, { clock, lockWaitMs: 2_000, searchKeys: keys.wordKeys });
      try {
        expect(await store.releases.count()).toBe(900);
        // Each commit waited for the build before it (one at a time); the child died with the third running (1.5 s of work).
        expect(await ids(store, "glacier")).toBeUndefined();
        expect(await store.search.rebuild()).toBe(900);
        expect(await ids(store, "glacier")).toEqual(releases.map((r) => r.id).sort());
        // Whatever the crash left, the next commit lists no segment as pending any more.
        await store.commit({ releases: chunk(300, 900) });
        expect((await manifestOf(dir)).segments.filter((s) => s.pending)).toEqual([]);
        expect(await ids(store, "glacier")).toEqual(chunk(1200).map((r) => r.id).sort());
      } finally {
        await store.close();
      }
    }
  });
});
