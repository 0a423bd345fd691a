import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { storedKeys, titleKeysOf } from "../../src/core/identity.js";
import type { StateStore } from "../../src/core/ports.js";
import type { StoredRelease } from "../../src/core/release.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { makeRelease, NOW } from "./contract/fixtures.js";
import { listFiles } from "./lowdb-support.js";

/*
 * A commit adding to a month that already has releases writes them as a piece of that month
 * (`releases/YYYY-MM.N.json`), not the whole month again; a later piece supersedes an earlier one,
 * and a month with 8 pieces is written whole (pieces merged in and removed) by the next commit
 * changing it. Every read answers from the file and its pieces alike.
 */

const clock = fixedClock(NOW);
const open = (dir: string, mode?: "shared"): Promise<StateStore> => openLowdbState(dir, { clock, lockWaitMs: 2_000, ...(mode ? { mode } : {}) });
const october = (n: number) => makeRelease(`October release number ${n} on asylum`, `2023-10-${String(n + 1).padStart(2, "0")}`);
const monthFiles = async (dir: string) => (await listFiles(dir, "releases")).filter((f) => /2023-10/.test(f)).sort();

/** Every way a store reads releases gives `expected` (by id), and nothing else of October. */
async function expectReads(store: StateStore, expected: readonly StoredRelease[]): Promise<void> {
  const byId = new Map(expected.map((r) => [r.id, r]));
  // First, while no file of the month is held: releases picked out of the file and each piece.
  expect(await store.releases.getMany([...byId.keys()])).toEqual(expected);
  expect((await store.releases.inMonth("2023-10")).map((r) => r.id).sort()).toEqual([...byId.keys()].sort());
  for (const r of expected) {
    expect(await store.releases.get(r.id)).toEqual(r);
    const hits = await store.releases.byKeys(storedKeys(r));
    expect([...hits.values()].every((h) => h.updatedAt === r.updatedAt && h.title === r.title)).toBe(true);
    for (const key of titleKeysOf(r)) {
      const [found] = await store.releases.byTitleKeys([{ titleKey: key, from: r.date, to: r.date }]);
      expect(found!.map((h) => h.title)).toContain(r.title);
    }
  }
  expect(await store.releases.count()).toBe(expected.length);
  expect(await store.releases.months()).toEqual(["2023-10"]);
}

describe("lowdb month pieces", () => {
  let dir = "";
  let cleanup = async () => {};
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir("pressroom-pieces-")));
  afterEach(() => cleanup());

  it("adds to a month with a piece per commit, leaving its file as it was; a piece's revision supersedes the file's", async () => {
    const store = await open(dir);
    const first = [october(0), october(1)];
    await store.commit({ releases: first });
    const file = await readFile(join(dir, "releases/2023-10.json"), "utf8");
    await store.commit({ releases: [october(2)] });
    // Release 0 revised: a new title, in the next piece.
    const revised = { ...first[0]!, title: "October release number 0 on asylum, revised", earlierTitles: [first[0]!.title], updatedAt: "2023-10-20T10:00:00Z" };
    await store.commit({ releases: [revised, october(3)] });
    expect(await monthFiles(dir)).toEqual(["releases/2023-10.1.json", "releases/2023-10.2.json", "releases/2023-10.json"]);
    expect(await readFile(join(dir, "releases/2023-10.json"), "utf8")).toBe(file);
    expect(await readFile(join(dir, "releases/2023-10.1.json"), "utf8")).not.toContain(first[0]!.id);
    const current = [revised, first[1]!, october(2), october(3)];
    await expectReads(store, current);
    await store.close();
    // Another process reads the same from the files.
    const reader = await open(dir, "shared");
    await expectReads(reader, current);
    await reader.close();
  });

  it("writes a month whole once it has 8 pieces, removing them in the same commit", async () => {
    const store = await open(dir);
    const all = [october(0)];
    await store.commit({ releases: [all[0]!] });
    for (let n = 1; n <= 8; n++) {
      all.push(october(n));
      await store.commit({ releases: [all[n]!] });
    }
    expect(await monthFiles(dir)).toHaveLength(9);
    const months = JSON.parse(await readFile(join(dir, "releases/months.json"), "utf8")) as { pieces: Record<string, number> };
    expect(months.pieces).toEqual({ "2023-10": 8 });
    all.push(october(9));
    await store.commit({ releases: [all[9]!] });
    expect(await monthFiles(dir)).toEqual(["releases/2023-10.json"]);
    const whole = JSON.parse(await readFile(join(dir, "releases/2023-10.json"), "utf8")) as { releases: Record<string, unknown> };
    expect(Object.keys(whole.releases).sort()).toEqual(all.map((r) => r.id).sort());
    expect((JSON.parse(await readFile(join(dir, "releases/months.json"), "utf8")) as { pieces: Record<string, number> }).pieces).toEqual({});
    await expectReads(store, all);
    // The next commit starts a new piece.
    all.push(october(10));
    await store.commit({ releases: [all[10]!] });
    expect(await monthFiles(dir)).toEqual(["releases/2023-10.1.json", "releases/2023-10.json"]);
    await store.close();
    const again = await open(dir);
    await expectReads(again, all);
    await again.close();
  });

  it("a release dated into another month leaves a month with pieces, which is written whole without it", async () => {
    const store = await open(dir);
    const a = october(0);
    await store.commit({ releases: [a, october(1)] });
    await store.commit({ releases: [october(2)] });
    const moved = { ...a, date: "2023-11-05", updatedAt: "2023-11-05T09:00:00Z" };
    await store.commit({ releases: [moved] });
    expect(await monthFiles(dir)).toEqual(["releases/2023-10.json"]);
    expect((await store.releases.inMonth("2023-10")).map((r) => r.id).sort()).toEqual([october(1).id, october(2).id].sort());
    expect(await store.releases.get(a.id)).toEqual(moved);
    expect(await store.releases.count()).toBe(3);
    await store.close();
  });

  it("a machine crash's index rebuild reads the pieces too, a later piece superseding", async () => {
    const store = await open(dir);
    const a = october(0);
    await store.commit({ releases: [a, october(1)] });
    const revised = { ...a, title: "October release number 0 on asylum, revised", earlierTitles: [a.title], updatedAt: "2023-10-20T10:00:00Z" };
    await store.commit({ releases: [october(2)] });
    await store.commit({ releases: [revised] });
    await store.close();
    await rm(join(dir, "keys"), { recursive: true, force: true });
    await rm(join(dir, "titles"), { recursive: true, force: true });
    await writeFile(join(dir, "index-unsynced.json"), JSON.stringify({ bootId: "another-boot", since: NOW }));
    const again = await open(dir);
    await expectReads(again, [revised, october(1), october(2)]);
    await again.close();
  });
});
