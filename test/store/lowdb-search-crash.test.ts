import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import type { StateStore } from "../../src/core/ports.js";
import type { ReleaseText } from "../../src/core/release.js";
import { releaseKeysOf } from "../../src/core/search-key.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { makeRelease, NOW } from "./contract/fixtures.js";
import { buildEngine, candidateIds, enginePath, listFiles, runChild, tempDir } from "./lowdb-support.js";

/*
 * A big commit (an import's chunk: 300 releases) writes its search segment as `.idx` before its
 * unit, and the unit lists it. Killed after a durable write, the reopened state's index holds
 * exactly the releases that are there: all 300 of the commit, or none of them. (The commit makes
 * hundreds of writes, most of them key and title shards that lowdb-crash.test.ts covers: the
 * child is killed after each of the first writes, where the segment and the journal are, and
 * after a few later ones.)
 */

const clock = fixedClock(NOW);
/** The crash child's keys (test/fixtures/lowdb/crash-child.mjs, scenario "commit-indexed"). */
const searchKeys = (r: ReleaseText) => releaseKeysOf(new Set(`${r.title} ${r.summary}`.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean)));
const open = (dir: string): Promise<StateStore> => openLowdbState(dir, { clock, lockWaitMs: 2_000, searchKeys });

const old = makeRelease("Knife crime action plan", "2023-09-12");
const chunk = Array.from({ length: 300 }, (_, i) => makeRelease(`Imported glacier report ${i}`, `2023-10-${String((i % 28) + 1).padStart(2, "0")}`));

/** Every segment file under search/ is one the manifest lists (a crash may leave one unlisted until the next commit). */
async function unlistedSegments(dir: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(dir, "search/manifest.json"), "utf8")) as { segments: { file: string }[] };
  const listed = new Set(manifest.segments.map((s) => s.file));
  return (await listFiles(dir, "search")).filter((f) => /seg-\d+\.(json|idx)$/.test(f) && !listed.has(f));
}

describe("lowdb search index crash matrix", () => {
  const dirs: string[] = [];
  beforeAll(async () => {
    await buildEngine();
  }, 120_000);
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("a big commit's segment is in the index exactly when its releases are, after a crash at any of its first writes and a few later ones", { timeout: 180_000 }, async () => {
    const template = await tempDir("pressroom-template-");
    dirs.push(template);
    const prep = await open(template);
    await prep.commit({ releases: [old] });
    await prep.close();

    const allIds = chunk.map((r) => r.id).sort();
    const work = await tempDir("pressroom-crash-");
    dirs.push(work);
    const payloadFile = join(work, "payload.json");
    await writeFile(payloadFile, JSON.stringify({ scenario: "commit-indexed", now: NOW, commit: { releases: chunk }, engine: enginePath() }));
    const outcomes: boolean[] = [];
    for (const n of [1, 2, 3, 4, 5, 6, 8, 12, 50, 200, 0]) {
      const dir = join(work, `n${n}`);
      await cp(template, dir, { recursive: true });
      const result = await runChild(dir, payloadFile, n);
      if (n === 0) expect(result.code).toBe(0);
      else if (result.signal !== "SIGKILL") break; // the commit made fewer writes
      const store = await open(dir);
      try {
        const visible = (await store.releases.count()) === 1 + chunk.length;
        if (!visible) expect(await store.releases.count()).toBe(1);
        outcomes.push(visible);
        // The index is complete and names exactly the stored releases.
        expect(await candidateIds(store, "glacier")).toEqual(visible ? allIds : []);
        expect(await candidateIds(store, "knife")).toEqual([old.id]);
        expect(await candidateIds(store, "299")).toEqual(visible ? [chunk[299]!.id] : []);
        // The state still works: the commit again leaves one whole index, every segment listed.
        await store.commit({ releases: chunk });
        expect(await candidateIds(store, "glacier")).toEqual(allIds);
        expect(await candidateIds(store, "knife")).toEqual([old.id]);
        expect(await unlistedSegments(dir)).toEqual([]);
      } finally {
        await store.close();
      }
    }
    // Not visible until the unit's journal is durable (after the segment file), then visible.
    expect(outcomes[0]).toBe(false);
    const firstVisible = outcomes.indexOf(true);
    expect(firstVisible).toBeGreaterThan(0);
    expect(outcomes.slice(firstVisible).every(Boolean)).toBe(true);
  });
});
