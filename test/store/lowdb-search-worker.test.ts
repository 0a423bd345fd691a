import { readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { memoryLogger, type Logger } from "../../src/core/logger.js";
import type { SearchKeys, StateStore } from "../../src/core/ports.js";
import type { StoredRelease } from "../../src/core/release.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { makeRelease, NOW } from "./contract/fixtures.js";
import { buildEngine, candidateIds, enginePath, listFiles, ROOT, runChild, tempDir } from "./lowdb-support.js";

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
type Keys = Record<"wordKeys" | "textKeys" | "slowOnWorker" | "failOnWorker" | "missingModule" | "exitOnWorker", SearchKeys>;

const chunk = (n: number, from = 0) => Array.from({ length: n }, (_, i) => makeRelease(`Imported glacier report ${from + i}`, `2023-10-${String(((from + i) % 28) + 1).padStart(2, "0")}`));

/** `chunk(n, from)` with one release whose date is no London date: its commit fails after its segment's build was posted. */
const failingChunk = (n: number, from = 0) => {
  const releases = chunk(n, from);
  releases[n >> 1] = { ...releases[n >> 1]!, date: "31/10/2023" };
  return releases;
};

const manifestOf = async (dir: string) => JSON.parse(await readFile(join(dir, "search/manifest.json"), "utf8")) as { complete: boolean; segments: { file: string; docs: number; pending?: true }[] };
const segmentFilesIn = async (dir: string) => (await listFiles(dir, "search")).filter((f) => f.includes("seg-"));

/** The folder holds the segment files the manifest lists, and no other. */
const expectOnlyListedSegments = async (dir: string, message?: string) => {
  const manifest = await manifestOf(dir);
  expect((await segmentFilesIn(dir)).sort(), message).toEqual(manifest.segments.map((s) => s.file).sort());
  return manifest;
};

/** A payload for the crash child: `releases` committed 300 at a time with the fixture keys `keysName`, then SIGKILL (`killAfterMs` later). */
const writeKillPayload = (payloadFile: string, keysName: keyof Keys, releases: readonly unknown[], killAfterMs = 0) =>
  writeFile(payloadFile, JSON.stringify({ scenario: "commit-worker-kill", now: NOW, keysModule: pathToFileURL(KEYS).href, keysName, engine: enginePath(), killAfterMs, commits: Array.from({ length: Math.ceil(releases.length / 300) }, (_, c) => ({ releases: releases.slice(c * 300, c * 300 + 300) })) }));

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
  /** Runs `check` on the state as the next process finds it: opened by the TypeScript engine (no worker), then closed. */
  const reopened = async (dir: string, check: (store: StateStore) => Promise<void>) => {
    const again = await openLowdbState(dir, { clock, searchKeys: keys.wordKeys });
    try {
      await check(again);
    } finally {
      await again.close();
    }
  };
  /** A state of two commits of 300 on the worker, its last segment then listed as pending again (its file still there). */
  const twoCommitsLastPending = async () => {
    const dir = await fresh();
    const store = await open(dir, keys.wordKeys);
    const releases = chunk(600);
    await store.commit({ releases: releases.slice(0, 300) });
    await store.commit({ releases: releases.slice(300) });
    await store.close();
    const manifest = await manifestOf(dir);
    const last = manifest.segments[manifest.segments.length - 1]!;
    await writeFile(join(dir, "search/manifest.json"), JSON.stringify({ ...manifest, segments: [...manifest.segments.slice(0, -1), { ...last, pending: true }] }));
    return { dir, releases, last };
  };

  beforeAll(async () => {
    built = ((await import(pathToFileURL(await buildEngine()).href)) as { openLowdbState: Open }).openLowdbState;
    keys = (await import(pathToFileURL(KEYS).href)) as Keys;
  }, 120_000);
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("posts the worker at most two jobs at once, and the jobs behind the one it runs outlive a worker that dies", async () => {
    // Before, every job was posted at once: the worker's heap held all their releases, and a worker
    // that died failed every job queued behind the one it was running. Now the job waiting on the
    // worker, and those not yet posted, go to the next worker.
    const dir = await fresh();
    const { SegmentWorker } = (await import(new URL("./segment-worker.js", pathToFileURL(enginePath())).href)) as typeof import("../../src/store/lowdb/segment-worker.js");
    const worker = new SegmentWorker({ root: dir, keys: keys.exitOnWorker.from! });
    try {
      const dying = worker.build("search/seg-00000001.idx", chunk(5).map((r) => ({ ...r, title: `${r.title} worker-exit` })));
      const after = [worker.build("search/seg-00000002.idx", chunk(5, 5)), worker.build("search/seg-00000003.idx", chunk(7, 10)), worker.build("search/seg-00000004.idx", chunk(3, 20))];
      // Two posted (the first running, one waiting on the worker), two held here: the bound is what
      // keeps the worker's heap to two jobs' releases, and nothing else shows it.
      expect([worker["sent"].length, worker["pending"].length]).toEqual([2, 2]);
      await expect(dying).rejects.toThrow(/search worker stopped/);
      expect(await Promise.all(after)).toEqual([5, 7, 3]);
      expect((await segmentFilesIn(dir)).sort()).toEqual(["search/seg-00000002.idx", "search/seg-00000003.idx", "search/seg-00000004.idx"]);
    } finally {
      await worker.close();
    }
  });

  it("finds releases by every text the worker was sent: bodies, list items, kinds, text beyond ASCII, and a title with a lone surrogate", async () => {
    // The worker gets releases' texts packed as UTF-8 (packed-releases.ts); a commit holding a lone
    // surrogate, which UTF-8 cannot carry, is sent as objects.
    const withText = (from: number, extra: (i: number) => Partial<StoredRelease>) => chunk(300, from).map((r, i) => ({ ...r, ...extra(i) }));
    const packed = withText(0, (i) => ({
      kind: i % 2 ? "speech" : "press release",
      body: [
        { type: "paragraph", text: `Paragraph número ${i} café ✓ 😀 警察` },
        { type: "list", items: [`item alpha${i}`, `item beta${i} naïve`] },
      ],
    }));
    const unpackable = withText(300, (i) => (i === 7 ? { title: `Lone \ud800 surrogate title`, body: [{ type: "paragraph", text: "loneword" }] } : {}));
    const dir = await fresh();
    const store = await open(dir, keys.textKeys);
    try {
      await store.commit({ releases: packed });
      await store.commit({ releases: unpackable });
      const ids = (rs: readonly StoredRelease[]) => rs.map((r) => r.id).sort();
      expect(await candidateIds(store, "built:worker")).toEqual(ids([...packed, ...unpackable]));
      expect(await candidateIds(store, "built:main")).toEqual([]);
      expect(await candidateIds(store, "警察")).toEqual(ids(packed));
      expect(await candidateIds(store, "café")).toEqual(ids(packed));
      expect(await candidateIds(store, "naïve")).toEqual(ids(packed));
      expect(await candidateIds(store, "speech")).toEqual(ids(packed.filter((_, i) => i % 2)));
      expect(await candidateIds(store, "alpha17")).toEqual([packed[17]!.id]);
      expect(await candidateIds(store, "beta299")).toEqual([packed[299]!.id]);
      expect(await candidateIds(store, "loneword")).toEqual([unpackable[7]!.id]);
      expect(await candidateIds(store, "surrogate")).toEqual([unpackable[7]!.id]);
    } finally {
      await store.close();
    }
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
        expect(await candidateIds(store, "glacier")).toEqual([...all].sort());
      }
      expect(await candidateIds(store, "built:worker")).toEqual([...all].sort());
      expect(await candidateIds(store, "built:main")).toEqual([]);
      expect(await candidateIds(store, "450")).toEqual([chunk(1, 450)[0]!.id]);
    } finally {
      await store.close();
    }
    const manifest = await expectOnlyListedSegments(dir);
    expect(manifest.complete).toBe(true);
    expect(manifest.segments.filter((s) => s.pending)).toEqual([]);
    expect(manifest.segments.reduce((n, s) => n + s.docs, 0)).toBe(900);
    // The TypeScript engine (no worker) reads what the worker wrote.
    await reopened(dir, async (later) => {
      expect(await candidateIds(later, "glacier")).toEqual([...all].sort());
    });
  });

  it("a commit that fails after posting its build leaves no trace in the index: the next commit's segment is the one listed, built and kept", async () => {
    const dir = await fresh();
    const store = await open(dir, keys.slowOnWorker);
    // The releases are checked after the segment's build was posted (1.5 s on the worker): this commit fails with its build running.
    const failed = failingChunk(300);
    const next = chunk(300, 300);
    try {
      await expect(store.commit({ releases: failed })).rejects.toThrow(/no London date/);
      // Its segment's file name was never listed: the next commit takes it.
      await store.commit({ releases: next });
      // Once the failed commit's build has ended (and the next one runs), queries and close must still wait for the next one.
      await new Promise((resolve) => setTimeout(resolve, 1_800));
      expect(await candidateIds(store, "glacier")).toEqual(next.map((r) => r.id).sort());
    } finally {
      await store.close();
    }
    const manifest = await expectOnlyListedSegments(dir);
    expect(manifest.segments.map((s) => s.docs)).toEqual([300]);
    await reopened(dir, async (later) => {
      expect(await candidateIds(later, "glacier")).toEqual(next.map((r) => r.id).sort());
      expect(await later.releases.count()).toBe(300);
    });
  });

  it("a failed commit's build still running is not overwritten by, nor overwrites, the next commit's segment built on this thread", async () => {
    const dir = await fresh();
    const store = await open(dir, keys.slowOnWorker);
    const first = chunk(300);
    const failed = failingChunk(300, 300);
    const next = chunk(300, 600);
    try {
      await store.commit({ releases: first });
      await expect(store.commit({ releases: failed })).rejects.toThrow(/no London date/);
      // Two builds on the worker (1.5 s each): this one is built here, under the failed one's file name.
      await store.commit({ releases: next });
      expect(await candidateIds(store, "built:main")).toEqual(next.map((r) => r.id).sort());
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      expect(await candidateIds(store, "glacier")).toEqual([...first, ...next].map((r) => r.id).sort());
    } finally {
      await store.close();
    }
    await expectOnlyListedSegments(dir);
    await reopened(dir, async (later) => {
      expect(await candidateIds(later, "glacier")).toEqual([...first, ...next].map((r) => r.id).sort());
    });
  });

  it("a commit that finds the worker busy builds its segment on its own thread instead of waiting", async () => {
    const dir = await fresh();
    const store = await open(dir, keys.slowOnWorker);
    const releases = chunk(900);
    try {
      // Back to back: the first build takes the worker 1.5 s; the second waits behind it, and the third
      // finds two jobs there.
      for (let c = 0; c < 3; c++) await store.commit({ releases: releases.slice(c * 300, c * 300 + 300) });
      expect((await manifestOf(dir)).segments.map((s) => s.pending ?? false)).toEqual([true, true, false]);
      expect(await candidateIds(store, "built:worker")).toEqual(releases.slice(0, 600).map((r) => r.id).sort());
      expect(await candidateIds(store, "built:main")).toEqual(releases.slice(600).map((r) => r.id).sort());
      // Once the worker is free again, the next commit's segment goes to it.
      await store.commit({ releases: chunk(300, 900) });
      expect(await candidateIds(store, "built:worker")).toEqual([...releases.slice(0, 600), ...chunk(300, 900)].map((r) => r.id).sort());
    } finally {
      await store.close();
    }
  });

  it("merges built segments on the worker, behind its builds; queries stay exact meanwhile; close leaves the merged segments and no other file", async () => {
    const dir = await fresh();
    const log = memoryLogger();
    const store = await open(dir, keys.wordKeys, log);
    const all: string[] = [];
    try {
      for (let c = 0; c < 9; c++) {
        const releases = chunk(300, c * 300);
        all.push(...releases.map((r) => r.id));
        await store.commit({ releases });
        expect(await candidateIds(store, "glacier")).toEqual([...all].sort());
      }
    } finally {
      await store.close();
    }
    // Four segments of 300 became one of 1,200, twice, each merged on the worker; the last commit's stays.
    const merged = log.entries.filter((e) => e.message === "search segments merged on the worker");
    expect(merged.map((e) => e.fields?.docs)).toEqual([1_200, 1_200]);
    // The inputs are gone: the folder holds the segments listed and nothing else.
    const manifest = await expectOnlyListedSegments(dir);
    expect(manifest.segments.map((s) => s.docs)).toEqual([1_200, 1_200, 300]);
    expect(manifest.segments.slice(0, 2).map((s) => s.file)).toEqual(merged.map((e) => e.fields?.file));
    await reopened(dir, async (later) => {
      expect(await candidateIds(later, "glacier")).toEqual([...all].sort());
      expect(await candidateIds(later, "2650")).toEqual([chunk(1, 2_650)[0]!.id]);
    });
  });

  it("close waits for the builds and lists them, but starts no merge: the next writer's commit merges them, however small", { timeout: 60_000 }, async () => {
    const dir = await fresh();
    const log = memoryLogger();
    const all = chunk(1_205);
    const store = await open(dir, keys.slowOnWorker, log);
    try {
      // No query between commits: the worker's builds (1.5 s each) are still running at the last one.
      for (let c = 0; c < 4; c++) await store.commit({ releases: all.slice(c * 300, c * 300 + 300) });
      expect((await manifestOf(dir)).segments.some((s) => s.pending)).toBe(true);
    } finally {
      await store.close();
    }
    let manifest = await expectOnlyListedSegments(dir);
    expect(manifest.segments.map((s) => [s.docs, s.pending ?? false])).toEqual([[300, false], [300, false], [300, false], [300, false]]);
    expect(log.entries.filter((e) => e.message === "search segments merged on the worker")).toEqual([]);
    // The next writer's commit is small (its segment is JSON, of another size class, and ends the
    // list): the four segments of 300 before it are merged all the same.
    const again = await open(dir, keys.slowOnWorker, log);
    try {
      await again.commit({ releases: all.slice(1_200) });
      expect(await candidateIds(again, "glacier")).toEqual(all.map((r) => r.id).sort());
    } finally {
      await again.close();
    }
    manifest = await expectOnlyListedSegments(dir);
    expect(manifest.segments.map((s) => s.docs)).toEqual([1_200, 5]);
    expect(log.entries.filter((e) => e.message === "search segments merged on the worker").map((e) => e.fields?.docs)).toEqual([1_200]);
  });

  it("after a merge fails on the worker, its segments stay listed and later merges run in-thread", { timeout: 60_000 }, async () => {
    const dir = await fresh();
    const log = memoryLogger();
    const store = await open(dir, keys.slowOnWorker, log);
    const all = chunk(1_800);
    try {
      // Four segments of 300, each built on the worker (the query waits for it).
      for (let c = 0; c < 4; c++) {
        await store.commit({ releases: all.slice(c * 300, c * 300 + 300) });
        await candidateIds(store, "glacier");
      }
      const first = (await manifestOf(dir)).segments[0]!.file;
      // The fifth commit's build keeps the worker busy 1.5 s; its merge of the four waits behind it,
      // and finds the first input gone.
      await store.commit({ releases: all.slice(1_200, 1_500) });
      await rename(join(dir, first), join(dir, "hidden.idx"));
      while (!log.entries.some((e) => e.level === "warn" && e.message.startsWith("search index merge failed on the worker"))) await new Promise((resolve) => setTimeout(resolve, 20));
      await rename(join(dir, "hidden.idx"), join(dir, first));
      // The next commit lists nothing of the failed merge; the segments are then merged on this thread.
      await store.commit({ releases: all.slice(1_500) });
      expect(await candidateIds(store, "glacier")).toEqual(all.map((r) => r.id).sort());
    } finally {
      await store.close();
    }
    expect(log.entries.filter((e) => e.message === "search segments merged on the worker")).toEqual([]);
    const manifest = await expectOnlyListedSegments(dir);
    expect(manifest.complete).toBe(true);
    // The five segments built before the sixth commit's (pending then) were merged on this thread.
    expect(manifest.segments.map((s) => s.docs)).toEqual([1_500, 300]);
  });

  it("killed while a merge runs on the worker, the state reopens whole; the next close removes the files the crash left unlisted", { timeout: 120_000 }, async () => {
    const work = await fresh();
    const releases = chunk(1_200);
    const payloadFile = join(work, "payload.json");
    let orphans = 0;
    // The fourth commit starts merging the four segments on the worker (about 0.1 s); the child dies
    // at once, or a while later: before the merged file is written, after it, or once it is listed.
    for (const killAfterMs of [0, 20, 50, 100, 200, 400]) {
      await writeKillPayload(payloadFile, "wordKeys", releases, killAfterMs);
      const dir = join(work, `k${killAfterMs}`);
      const result = await runChild(dir, payloadFile, 0);
      expect(result.signal, result.stderr).toBe("SIGKILL");
      const listed = new Set((await manifestOf(dir)).segments.map((s) => s.file));
      orphans += (await segmentFilesIn(dir)).filter((f) => !listed.has(f)).length;
      const store = await open(dir, keys.wordKeys);
      try {
        expect(await store.releases.count()).toBe(1_200);
        // Whole, or incomplete (a build lost) and then rebuilt: never wrong.
        if ((await candidateIds(store, "glacier")) === undefined) expect(await store.search.rebuild()).toBe(1_200);
        expect(await candidateIds(store, "glacier")).toEqual(releases.map((r) => r.id).sort());
        await store.commit({ releases: chunk(300, 1_200) });
        expect(await candidateIds(store, "glacier")).toEqual(chunk(1_500).map((r) => r.id).sort());
      } finally {
        await store.close();
      }
      const manifest = await expectOnlyListedSegments(dir, `killed after ${killAfterMs} ms`);
      expect(manifest.segments.filter((s) => s.pending)).toEqual([]);
    }
    // At least one crash left a segment file no manifest listed (the merged one, or its inputs).
    expect(orphans).toBeGreaterThan(0);
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
        expect(await candidateIds(store, "glacier")).toBeUndefined();
        expect(log.entries.some((e) => e.level === "warn" && e.message.startsWith("search worker failed"))).toBe(true);
      } finally {
        await store.close();
      }
      expect((await manifestOf(dir)).complete).toBe(false);
      const again = await open(dir, keys[name]);
      try {
        // Search's own answer to an incomplete index: a rebuild, on this thread.
        expect(await again.search.rebuild()).toBe(300);
        expect(await candidateIds(again, "glacier")).toEqual(releases.map((r) => r.id).sort());
        expect(await candidateIds(again, "built:main")).toEqual(releases.map((r) => r.id).sort());
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
      expect(await candidateIds(store, "built:worker")).toHaveLength(300);
      // Past the worker's idle time (10 s): it has stopped, and the next build starts another thread.
      await new Promise((resolve) => setTimeout(resolve, 10_500));
      await store.commit({ releases: chunk(300, 300) });
      expect(await candidateIds(store, "built:worker")).toEqual(chunk(600).map((r) => r.id).sort());
      // The thread each release was built on (`thread:<threadId>`): one for each commit.
      const byThread: string[][] = [];
      for (let id = 1; id <= 100; id++) {
        const held = await candidateIds(store, `thread:${id}`);
        if (held?.length) byThread.push(held);
      }
      expect(byThread).toEqual([chunk(300).map((r) => r.id).sort(), chunk(300, 300).map((r) => r.id).sort()]);
    } finally {
      await store.close();
    }
  });

  it("a reader beside the writer takes a pending segment whose file is there, and waits a while for one whose file is not", { timeout: 60_000 }, async () => {
    // As a reader sees the state while the writer's worker builds the last segment.
    const { dir, releases, last } = await twoCommitsLastPending();
    const all = releases.map((r) => r.id).sort();
    const reader = await openLowdbState(dir, { clock, mode: "shared", searchKeys: keys.wordKeys });
    try {
      // Its file is there: the segment is whole.
      expect(await candidateIds(reader, "glacier")).toEqual(all);
      // Not written yet: the reader waits, and takes it once it comes.
      await rename(join(dir, last.file), join(dir, "later.idx"));
      const asked = candidateIds(reader, "glacier");
      await new Promise((resolve) => setTimeout(resolve, 500));
      await rename(join(dir, "later.idx"), join(dir, last.file));
      expect(await asked).toEqual(all);
      // Never written: after waiting, the index does not cover the state.
      await rename(join(dir, last.file), join(dir, "later.idx"));
      const started = performance.now();
      expect(await candidateIds(reader, "glacier")).toBeUndefined();
      expect(performance.now() - started).toBeGreaterThanOrEqual(1_900);
    } finally {
      await reader.close();
    }
  });

  it("a pending segment whose file was lost leaves the index incomplete, and a rebuild makes it whole", async () => {
    // As a crash leaves it: the unit listed the last segment, its build never wrote the file.
    const { dir, last } = await twoCommitsLastPending();
    await unlink(join(dir, last.file));

    const store = await open(dir, keys.wordKeys);
    try {
      expect(await candidateIds(store, "glacier")).toBeUndefined();
      // The next commit records that the index misses releases, and does not index on top of it.
      await store.commit({ releases: chunk(300, 600) });
      expect((await manifestOf(dir)).complete).toBe(false);
      expect(await candidateIds(store, "glacier")).toBeUndefined();
      expect(await store.search.rebuild()).toBe(900);
      expect(await candidateIds(store, "glacier")).toEqual(chunk(900).map((r) => r.id).sort());
    } finally {
      await store.close();
    }
  });

  it("killed while its builds run, the state reopens with the index incomplete, and a rebuild finds every release", { timeout: 120_000 }, async () => {
    const work = await fresh();
    const releases = chunk(900);
    const payloadFile = join(work, "payload.json");
    await writeKillPayload(payloadFile, "slowOnWorker", releases);
    for (let round = 0; round < 2; round++) {
      const dir = join(work, `r${round}`);
      const result = await runChild(dir, payloadFile, 0);
      expect(result.signal, result.stderr).toBe("SIGKILL");
      const store = await openLowdbState(dir, { clock, lockWaitMs: 2_000, searchKeys: keys.wordKeys });
      try {
        expect(await store.releases.count()).toBe(900);
        // The first commit's build (1.5 s of work on the worker) was still running when the child died,
        // the second's waiting behind it; the third found the worker busy and was built on the child's own thread.
        expect(await candidateIds(store, "glacier")).toBeUndefined();
        expect(await store.search.rebuild()).toBe(900);
        expect(await candidateIds(store, "glacier")).toEqual(releases.map((r) => r.id).sort());
        // Whatever the crash left, the next commit lists no segment as pending any more.
        await store.commit({ releases: chunk(300, 900) });
        expect((await manifestOf(dir)).segments.filter((s) => s.pending)).toEqual([]);
        expect(await candidateIds(store, "glacier")).toEqual(chunk(1200).map((r) => r.id).sort());
      } finally {
        await store.close();
      }
    }
  });
});
