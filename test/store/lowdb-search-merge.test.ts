import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import type { StateStore } from "../../src/core/ports.js";
import { releaseIndexKeys } from "../../src/match/search-index.js";
import { normalizeWord } from "../../src/match/tokenize.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { MAX_MERGED_DOCS } from "../../src/store/lowdb/search-index-store.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { makeRelease, NOW } from "./contract/fixtures.js";

/*
 * The lowdb search index merges four segments of one size class into one, but never into one of
 * more than MAX_MERGED_DOCS releases (a merge holds its inputs and output in memory): past that,
 * segments stay as they are, and a query reads each.
 */

const clock = fixedClock(NOW);
const segments = async (dir: string) => (JSON.parse(await readFile(join(dir, "search/manifest.json"), "utf8")) as { segments: { file: string; docs: number }[] }).segments;
/** `n` small releases from `first` on, a few a day; every 100th is about glaciers. */
const batch = (first: number, n: number) =>
  Array.from({ length: n }, (_, i) => {
    const k = first + i;
    const day = new Date(Date.UTC(2001, 0, 1) + Math.floor(k / 5) * 86_400_000).toISOString().slice(0, 10);
    return { ...makeRelease(`Release ${k} on ${k % 100 === 0 ? "glacier" : "asylum"} policy`, day), body: [] };
  });

describe("lowdb search index merges", () => {
  let dir = "";
  let cleanup = async () => {};
  let store: StateStore | undefined;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir("pressroom-merge-")));
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await cleanup();
  });

  const glaciers = async (s: StateStore) => {
    const found = await s.search.candidates([[normalizeWord("glacier")]]);
    const out: string[] = [];
    for (let b = await found!.next(500); b.length > 0; b = await found!.next(500)) out.push(...b.map((e) => e.id));
    return out.length;
  };

  /** Commits `units` units of `per` releases each (a commit merges once its unit is on disk), then reopens. */
  async function commitUnits(units: number, per: number): Promise<StateStore> {
    store = await openLowdbState(dir, { clock, searchKeys: releaseIndexKeys, lockWaitMs: 2_000 });
    for (let c = 0; c < units; c++) await store.commit({ releases: batch(c * per, per) });
    await store.close();
    store = await openLowdbState(dir, { clock, searchKeys: releaseIndexKeys, lockWaitMs: 2_000 });
    return store;
  }

  it("merges four segments of one size class into one", { timeout: 120_000 }, async () => {
    const s = await commitUnits(4, 300);
    expect((await segments(dir)).map((x) => x.docs)).toEqual([1_200]);
    expect(await glaciers(s)).toBe(12);
  });

  it("merges level after level: sixteen units of 125 become one segment of 2,000", { timeout: 120_000 }, async () => {
    const s = await commitUnits(16, 125);
    expect((await segments(dir)).map((x) => x.docs)).toEqual([2_000]);
    expect(await glaciers(s)).toBe(20);
  });

  it("leaves segments unmerged past MAX_MERGED_DOCS releases, and a query reads them all", { timeout: 300_000 }, async () => {
    const per = Math.ceil(MAX_MERGED_DOCS / 4) + 100;
    const s = await commitUnits(4, per);
    expect((await segments(dir)).map((x) => x.docs)).toEqual(Array.from({ length: 4 }, () => per));
    expect(await glaciers(s)).toBe(Math.ceil((4 * per) / 100));
  });
});
