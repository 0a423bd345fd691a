import { afterEach, expect, it } from "vitest";
import type { FeedEntry, SearchCandidates, SearchKeys } from "../../../src/core/ports.js";
import type { StoredRelease } from "../../../src/core/release.js";
import { emptySourceState } from "../../../src/core/source.js";
import { newestFirst, releaseIndexKeys, releaseSearchKeys } from "../../../src/match/search-index.js";
import { normalizeWord } from "../../../src/match/tokenize.js";
import type { TestState } from "../../helpers/state-engines.js";
import { describeEngines } from "../../helpers/state-engines.js";
import { cleanupRetrying, makeRelease } from "./fixtures.js";

const keys = releaseIndexKeys;
/** The index key of a word (folded, stemmed). */
const k = (word: string) => normalizeWord(word);
/** Every candidate, read in batches of three (so the engines' paging is crossed), in the order given. */
async function readAll(candidates: SearchCandidates | undefined): Promise<FeedEntry[] | undefined> {
  if (!candidates) return undefined;
  const out: FeedEntry[] = [];
  for (let batch = await candidates.next(3); batch.length > 0; batch = await candidates.next(3)) out.push(...batch);
  return out;
}
const ids = async (candidates: Promise<SearchCandidates | undefined>) => (await readAll(await candidates))?.map((e) => e.id).sort();

describeEngines("state contract: search index", (engine) => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

  it("names the releases holding a key of every clause, from the commit that stored them", async () => {
    s = await engine.fresh({ searchKeys: keys });
    expect(await readAll(await s.store.search.candidates([[k("asylum")]]))).toEqual([]);
    const a = makeRelease("Police urged to double stop and search", "2023-10-31");
    const b = makeRelease("New asylum accommodation sites announced", "2023-11-02");
    const c = makeRelease("Asylum backlog cleared by police caseworkers", "2023-11-03", { kind: "speech" });
    await s.store.commit({ releases: [a, b] });
    await s.store.commit({ releases: [c] });
    expect(await ids(s.store.search.candidates([[k("asylum")]]))).toEqual([b.id, c.id].sort());
    expect(await ids(s.store.search.candidates([[k("asylum")], [k("police")]]))).toEqual([c.id]);
    expect(await ids(s.store.search.candidates([[k("accommodation"), k("backlog")]]))).toEqual([b.id, c.id].sort());
    expect(await ids(s.store.search.candidates([["kind:speech"]]))).toEqual([c.id]);
    expect(await ids(s.store.search.candidates([["nothing-like-this"]]))).toEqual([]);
    expect(await ids(s.store.search.candidates([]))).toEqual([a.id, b.id, c.id].sort());
    expect((await readAll(await s.store.search.candidates([[k("asylum")], [k("police")]])))![0]).toEqual({ id: c.id, date: c.date, updatedAt: c.updatedAt });
  });

  it("indexes a revision's new words and dates, and keeps answering across merges and a reopen", async () => {
    s = await engine.fresh({ searchKeys: keys });
    const all = Array.from({ length: 40 }, (_, i) => makeRelease(`Knife crime figures part ${i}`, `2023-${String(1 + (i % 12)).padStart(2, "0")}-1${i % 10}`));
    // One commit per release: segments pile up and merge (lowdb), rows are upserted (PostgreSQL).
    for (const r of all) await s.store.commit({ releases: [r] });
    const revised = { ...all[3]!, title: "Knife crime figures part 3: drones at prisons", updatedAt: "2024-01-01T00:00:00.000Z" };
    await s.store.commit({ releases: [revised] });
    const check = async () => {
      expect(await ids(s!.store.search.candidates([[k("knife")]]))).toEqual(all.map((r) => r.id).sort());
      expect(await readAll(await s!.store.search.candidates([[k("drone")]]))).toEqual([{ id: revised.id, date: revised.date, updatedAt: revised.updatedAt }]);
      expect((await readAll(await s!.store.search.candidates([])))!.length).toBe(40);
    };
    await check();
    const again = await s.open({ searchKeys: keys });
    expect(await ids(again.search.candidates([[k("drone")]]))).toEqual([revised.id]);
  });

  it("leaves out releases whose current text holds a key of `without`, not those whose earlier text did", async () => {
    s = await engine.fresh({ searchKeys: keys });
    const a = makeRelease("Knife crime and drugs gangs", "2023-10-01");
    const b = makeRelease("Knife amnesty bins", "2023-10-02", { kind: "speech" });
    const c = makeRelease("Knife arches in stations", "2023-10-03");
    await s.store.commit({ releases: [a, b, c] });
    expect(await ids(s.store.search.candidates([[k("knife")]], [k("drugs")]))).toEqual([b.id, c.id].sort());
    expect(await ids(s.store.search.candidates([[k("knife")]], [k("drugs"), "kind:speech"]))).toEqual([c.id]);
    expect(await ids(s.store.search.candidates([], [k("amnesty")]))).toEqual([a.id, c.id].sort());
    // A revision drops the word: the release is a candidate again (its old postings do not exclude it).
    const revised = { ...a, title: "Knife crime and gangs", summary: "Revised", body: [{ type: "paragraph" as const, text: "Knife crime and gangs." }], updatedAt: "2023-10-05T00:00:00.000Z" };
    await s.store.commit({ releases: [revised] });
    expect(await ids(s.store.search.candidates([[k("knife")]], [k("drugs")]))).toEqual([a.id, b.id, c.id].sort());
  });

  it("stores nothing of a commit whose search keys fail, and takes the same releases whole afterwards", async () => {
    let failing = true;
    const flaky: SearchKeys = (release) => {
      if (failing && release.title.includes("unindexable")) throw new Error("search keys failed on purpose");
      return keys(release);
    };
    s = await engine.fresh({ searchKeys: flaky });
    // Enough releases that PostgreSQL queues several statements before the keys fail.
    const releases = Array.from({ length: 30 }, (_, i) => makeRelease(`Fraud charter update ${i}`, `2023-10-${String(1 + (i % 28)).padStart(2, "0")}`));
    releases.push(makeRelease("An unindexable release", "2023-10-30"));
    const source = { ...emptySourceState("home-office-news"), lastSuccessAt: "2026-11-29T10:00:00.000Z", cursor: { etag: "v2" } };
    await expect(s.store.commit({ releases, source })).rejects.toThrow(/search keys failed on purpose/);
    expect(await s.store.releases.count()).toBe(0);
    expect((await s.store.releases.byKeys(releases.map((r) => `id:${r.id}`))).size).toBe(0);
    expect(await s.store.sources.get("home-office-news")).toEqual(emptySourceState("home-office-news"));
    failing = false;
    await s.store.commit({ releases, source });
    expect(await s.store.releases.count()).toBe(31);
    expect(await ids(s.store.search.candidates([[k("fraud")]]))).toEqual(releases.slice(0, 30).map((r) => r.id).sort());
    expect(await ids(s.store.search.candidates([[k("unindexable")]]))).toEqual([releases[30]!.id]);
    expect((await s.store.sources.get("home-office-news")).cursor).toEqual({ etag: "v2" });
  });

  it("is out of date after a commit by a handle without search keys, until rebuilt", async () => {
    s = await engine.fresh({ searchKeys: keys });
    const a = makeRelease("Border Force seizes firearms", "2023-10-01");
    await s.store.commit({ releases: [a] });
    const plain = await s.open({});
    const b = makeRelease("Visa fees rise for firearms dealers", "2023-10-02");
    await plain.commit({ releases: [b] });
    expect(await plain.search.candidates([[k("firearm")]])).toBeUndefined();
    await expect(plain.search.rebuild()).rejects.toThrow(/without search keys/);
    const keyed = await s.open({ searchKeys: keys });
    expect(await keyed.search.candidates([[k("firearm")]])).toBeUndefined();
    expect(await keyed.search.rebuild()).toBe(2);
    expect(await ids(keyed.search.candidates([[k("firearm")]]))).toEqual([a.id, b.id].sort());
    const c = makeRelease("Firearms amnesty announced", "2023-10-03");
    await keyed.commit({ releases: [c] });
    expect(await ids(keyed.search.candidates([[k("firearm")]]))).toEqual([a.id, b.id, c.id].sort());
  });

  it("hands candidates over newest first, exactly those whose current text holds the keys, however they are read", async () => {
    s = await engine.fresh({ searchKeys: keys });
    // 700 releases over 40 days (many on one day, some at one update time), a common word, a
    // middling one, a rare one (older releases only), two kinds; committed in uneven batches so lowdb
    // keeps JSON and merged segments and PostgreSQL's walk crosses pages and turns to the GIN index.
    const releases = new Map<string, StoredRelease>();
    const make = (i: number) => {
      const words = [i % 10 === 0 ? "" : "police", i % 2 ? "asylum" : "", i % 50 === 0 && i < 400 ? "glacier" : ""].filter(Boolean).join(" ");
      const date = `2023-${String(1 + (i % 4)).padStart(2, "0")}-${String(1 + (i % 10)).padStart(2, "0")}`;
      return makeRelease(`Release ${i} ${words}`, date, { kind: i % 5 === 0 ? "speech" : "press-release", updatedAt: `${date}T${String(i % 3).padStart(2, "0")}:00:00.000Z` });
    };
    const all = Array.from({ length: 700 }, (_, i) => make(i));
    for (const [from, to] of [[0, 1], [1, 8], [8, 300], [300, 301], [301, 600], [600, 700]] as const) {
      await s.store.commit({ releases: all.slice(from, to) });
    }
    for (const r of all) releases.set(r.id, r);
    // Revisions in later commits: words dropped and added, later update times, one moved a month on.
    for (let i = 0; i < 700; i += 23) {
      const old = releases.get(all[i]!.id)!;
      const revised = { ...old, title: i % 2 ? `Release ${i} revised glacier` : `Release ${i} revised police asylum`, summary: "Revised", body: [], date: i === 46 ? "2023-05-01" : old.date, updatedAt: `2024-01-${String(1 + (i % 9)).padStart(2, "0")}T00:00:00.000Z` };
      releases.set(old.id, revised);
      await s.store.commit({ releases: [revised] });
    }
    const current = [...releases.values()];
    const expected = (clauses: string[][], without: string[]) =>
      current.filter((r) => {
        const held = new Set(releaseSearchKeys(r));
        return clauses.every((c) => c.some((key) => held.has(key))) && !without.some((key) => held.has(key));
      }).sort(newestFirst).map((r) => ({ id: r.id, date: r.date, updatedAt: r.updatedAt }));
    const cases: [string[][], string[]][] = [
      [[[k("police")]], []],
      [[[k("glacier")]], []],
      [[[k("asylum")], ["kind:speech"]], []],
      [[], [k("asylum")]],
      [[[k("police")]], [k("glacier"), "kind:speech"]],
      [[[k("glacier"), k("asylum")]], []],
      [[], []],
      [[[k("nothing-like-this")]], []],
    ];
    for (const [clauses, without] of cases) {
      const want = expected(clauses, without);
      for (const batch of [1, 7, 64, 1000]) {
        const candidates = await s.store.search.candidates(clauses, without);
        const got: FeedEntry[] = [];
        for (let part = await candidates!.next(batch); part.length > 0; part = await candidates!.next(batch)) {
          expect(part.length).toBeLessThanOrEqual(batch);
          got.push(...part);
        }
        expect(got, `${JSON.stringify(clauses)} without ${JSON.stringify(without)}, batches of ${batch}`).toEqual(want);
      }
    }
    expect(expected([[k("glacier")]], []).length).toBeGreaterThan(10);
  });

  it("never hands a release over twice, even when it is revised into a later place while candidates are being read", async () => {
    s = await engine.fresh({ searchKeys: keys });
    const all = Array.from({ length: 600 }, (_, i) => makeRelease(`Knife crime report ${i}`, `2023-${String(1 + (i % 12)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}`));
    await s.store.commit({ releases: all });
    const candidates = (await s.store.search.candidates([[k("knife")]]))!;
    const first = await candidates.next(300);
    // The newest release read so far becomes the oldest.
    const moved = all.find((r) => r.id === first[0]!.id)!;
    await s.store.commit({ releases: [{ ...moved, date: "2020-01-01", updatedAt: "2020-01-01T00:00:00.000Z" }] });
    const ids = [...first.map((e) => e.id)];
    for (let part = await candidates.next(64); part.length > 0; part = await candidates.next(64)) ids.push(...part.map((e) => e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(599);
  });
});
