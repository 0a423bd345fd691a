import { afterEach, expect, it } from "vitest";
import type { FeedEntry } from "../../../src/core/ports.js";
import { releaseSearchKeys } from "../../../src/match/search-index.js";
import { normalizeWord } from "../../../src/match/tokenize.js";
import type { TestState } from "../../helpers/state-engines.js";
import { describeEngines } from "../../helpers/state-engines.js";
import { cleanupRetrying, makeRelease } from "./fixtures.js";

const keys = releaseSearchKeys;
/** The index key of a word (folded, stemmed). */
const k = (word: string) => normalizeWord(word);
const ids = (entries: readonly FeedEntry[] | undefined) => entries?.map((e) => e.id).sort();

describeEngines("state contract: search index", (engine) => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

  it("names the releases holding a key of every clause, from the commit that stored them", async () => {
    s = await engine.fresh({ searchKeys: keys });
    expect(await s.store.search.candidates([[k("asylum")]])).toEqual([]);
    const a = makeRelease("Police urged to double stop and search", "2023-10-31");
    const b = makeRelease("New asylum accommodation sites announced", "2023-11-02");
    const c = makeRelease("Asylum backlog cleared by police caseworkers", "2023-11-03", { kind: "speech" });
    await s.store.commit({ releases: [a, b] });
    await s.store.commit({ releases: [c] });
    expect(ids(await s.store.search.candidates([[k("asylum")]]))).toEqual([b.id, c.id].sort());
    expect(ids(await s.store.search.candidates([[k("asylum")], [k("police")]]))).toEqual([c.id]);
    expect(ids(await s.store.search.candidates([[k("accommodation"), k("backlog")]]))).toEqual([b.id, c.id].sort());
    expect(ids(await s.store.search.candidates([["kind:speech"]]))).toEqual([c.id]);
    expect(ids(await s.store.search.candidates([["nothing-like-this"]]))).toEqual([]);
    expect(ids(await s.store.search.candidates([]))).toEqual([a.id, b.id, c.id].sort());
    expect((await s.store.search.candidates([[k("asylum")], [k("police")]]))![0]).toEqual({ id: c.id, date: c.date, updatedAt: c.updatedAt });
  });

  it("indexes a revision's new words and dates, and keeps answering across merges and a reopen", async () => {
    s = await engine.fresh({ searchKeys: keys });
    const all = Array.from({ length: 40 }, (_, i) => makeRelease(`Knife crime figures part ${i}`, `2023-${String(1 + (i % 12)).padStart(2, "0")}-1${i % 10}`));
    // One commit per release: segments pile up and merge (lowdb), rows are upserted (PostgreSQL).
    for (const r of all) await s.store.commit({ releases: [r] });
    const revised = { ...all[3]!, title: "Knife crime figures part 3: drones at prisons", updatedAt: "2024-01-01T00:00:00.000Z" };
    await s.store.commit({ releases: [revised] });
    const check = async () => {
      expect(ids(await s!.store.search.candidates([[k("knife")]]))).toEqual(all.map((r) => r.id).sort());
      expect(await s!.store.search.candidates([[k("drone")]])).toEqual([{ id: revised.id, date: revised.date, updatedAt: revised.updatedAt }]);
      expect((await s!.store.search.candidates([]))!.length).toBe(40);
    };
    await check();
    const again = await s.open({ searchKeys: keys });
    expect(ids(await again.search.candidates([[k("drone")]]))).toEqual([revised.id]);
  });

  it("leaves out releases whose current text holds a key of `without`, not those whose earlier text did", async () => {
    s = await engine.fresh({ searchKeys: keys });
    const a = makeRelease("Knife crime and drugs gangs", "2023-10-01");
    const b = makeRelease("Knife amnesty bins", "2023-10-02", { kind: "speech" });
    const c = makeRelease("Knife arches in stations", "2023-10-03");
    await s.store.commit({ releases: [a, b, c] });
    expect(ids(await s.store.search.candidates([[k("knife")]], [k("drugs")]))).toEqual([b.id, c.id].sort());
    expect(ids(await s.store.search.candidates([[k("knife")]], [k("drugs"), "kind:speech"]))).toEqual([c.id]);
    expect(ids(await s.store.search.candidates([], [k("amnesty")]))).toEqual([a.id, c.id].sort());
    // A revision drops the word: the release is a candidate again (its old postings do not exclude it).
    const revised = { ...a, title: "Knife crime and gangs", summary: "Revised", body: [{ type: "paragraph" as const, text: "Knife crime and gangs." }], updatedAt: "2023-10-05T00:00:00.000Z" };
    await s.store.commit({ releases: [revised] });
    expect(ids(await s.store.search.candidates([[k("knife")]], [k("drugs")]))).toEqual([a.id, b.id, c.id].sort());
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
    expect(ids(await keyed.search.candidates([[k("firearm")]]))).toEqual([a.id, b.id].sort());
    const c = makeRelease("Firearms amnesty announced", "2023-10-03");
    await keyed.commit({ releases: [c] });
    expect(ids(await keyed.search.candidates([[k("firearm")]]))).toEqual([a.id, b.id, c.id].sort());
  });
});
