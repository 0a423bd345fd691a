import { afterEach, expect, it } from "vitest";
import type { StoredRelease } from "../../src/core/release.js";
import { compileQuery } from "../../src/match/index.js";
import { newestFirst, releaseIndexKeys, scoreRelease } from "../../src/match/search-index.js";
import { searchStore } from "../../src/match/search-releases.js";
import type { TestState } from "../helpers/state-engines.js";
import { describeEngines } from "../helpers/state-engines.js";
import { cleanupRetrying, makeRelease } from "../store/contract/fixtures.js";

const WORDS = "asylum hotel boats channel knife crime police visa border fraud drones prison facial recognition vans 30,000 officers".split(" ");

/** Releases with overlapping words, equal dates, two kinds, and revisions that drop and add words. */
function corpus(): StoredRelease[] {
  const out: StoredRelease[] = [];
  for (let i = 0; i < 90; i++) {
    const words = [WORDS[i % WORDS.length]!, WORDS[(i * 7 + 3) % WORDS.length]!, WORDS[(i * 11 + 5) % WORDS.length]!];
    const date = `2023-${String(1 + (i % 6)).padStart(2, "0")}-${String(1 + (i % 5)).padStart(2, "0")}`;
    out.push(makeRelease(`Release ${i} on ${words.join(" ")}`, date, { kind: i % 4 === 0 ? "speech" : "press-release", summary: `About ${words[0]} and ${words[2]}` }));
  }
  return out;
}

const QUERIES = [
  "asylum", "asylum AND hotel", "asylum OR drones", "\"facial recognition\"", "knife AND NOT crime", "NOT police",
  "kind:speech AND border", "kind:speech", "30000", "(visa OR fraud) AND NOT kind:speech", "\"recognition vans\"", "nothing-matches-this",
  "\"facial recognition vans\"", "title:\"knife crime\"", "\"border fraud\" AND NOT kind:speech", "\"release 1\" OR \"hotel boats\"", "\"release 2 on\"", "\"release 7\" AND NOT hotel",
];

/** The naive evaluation: every release tested, newest first (or by score). */
function naive(releases: readonly StoredRelease[], query: string, sort: "newest" | "relevance", limit: number): string[] {
  const compiled = compileQuery(query);
  const hits = releases.filter((r) => compiled.matches(r)).sort(newestFirst);
  if (sort === "newest") return hits.slice(0, limit).map((r) => r.id);
  return hits.map((r, i) => ({ r, i, score: scoreRelease(compiled, r) })).sort((a, b) => b.score - a.score || a.i - b.i).slice(0, limit).map((x) => x.r.id);
}

describeEngines("search from the persisted index", (engine) => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

  it("gives exactly what testing every release gives, newest first and by relevance, after revisions", async () => {
    s = await engine.fresh({ searchKeys: releaseIndexKeys });
    const releases = corpus();
    for (let at = 0; at < releases.length; at += 7) await s.store.commit({ releases: releases.slice(at, at + 7) });
    // Revisions: new words in, old words out, and a later update time for one of two same-day releases.
    const current = new Map(releases.map((r) => [r.id, r]));
    for (const i of [2, 17, 40, 41, 88]) {
      const old = current.get(releases[i]!.id)!;
      const revised = { ...old, title: `Release ${i} revised: drones over the channel`, summary: "Replaced text", updatedAt: `2024-0${1 + (i % 5)}-01T00:00:00.000Z` };
      current.set(old.id, revised);
      await s.store.commit({ releases: [revised] });
    }
    const all = [...current.values()];
    const nonEmpty = new Set<string>();
    for (const query of QUERIES) {
      for (const sort of ["newest", "relevance"] as const) {
        for (const limit of [3, 1000]) {
          const got = await searchStore(s.store, compileQuery(query), { limit, sort });
          const expected = naive(all, query, sort, limit);
          if (expected.length > 0) nonEmpty.add(query);
          expect(got.hits.map((r) => r.id), `${query} · ${sort} · ${limit}`).toEqual(expected);
        }
      }
    }
    // The phrases answered from pair keys do find something.
    expect([...nonEmpty].filter((q) => q.includes("\""))).toEqual(["\"release 1\" OR \"hotel boats\"", "\"release 2 on\""]);
  });

  it("rebuilds an index a handle without keys left out of date, then answers the same", async () => {
    s = await engine.fresh();
    const releases = corpus().slice(0, 30);
    await s.store.commit({ releases });
    const keyed = await s.open({ searchKeys: releaseIndexKeys });
    expect(await keyed.search.candidates([])).toBeUndefined();
    let rebuilt = 0;
    const got = await searchStore(keyed, compileQuery("asylum OR hotel"), { limit: 100, onRebuild: () => rebuilt++ });
    expect(rebuilt).toBe(1);
    expect(got.hits.map((r) => r.id)).toEqual(naive(releases, "asylum OR hotel", "newest", 100));
    expect((await (await keyed.search.candidates([]))?.next(100))?.length).toBe(30);
  });
});
