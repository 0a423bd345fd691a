import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import type { SearchCandidates } from "../../src/core/ports.js";
import { isPairKey, kindKey, pairKey } from "../../src/core/search-key.js";
import { releaseIndexKeys, releaseSearchKeys } from "../../src/match/search-index.js";
import { normalizeWord } from "../../src/match/tokenize.js";
import { openPostgresState } from "../../src/store/postgres/open-postgres-state.js";
import { filterMayHold, pairFilterOfKeys } from "../../src/store/pair-filter.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { cleanupRetrying, makeRelease } from "./contract/fixtures.js";

const clock = fixedClock("2026-12-02T10:00:00Z");
const k = (word: string) => normalizeWord(word);

async function ids(candidates: SearchCandidates | undefined): Promise<string[]> {
  const out: string[] = [];
  for (let part = await candidates!.next(5); part.length > 0; part = await candidates!.next(5)) out.push(...part.map((e) => e.id));
  return out.sort();
}

describe.skipIf(!testDatabaseUrl())("postgres search index: words and kind keys only", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await cleanupRetrying(c);
  });

  it("keeps every pair in the filter and holds few others (about 1 in 100)", () => {
    const pairs = Array.from({ length: 800 }, (_, i) => pairKey(`w${i}`, `v${(i * 7) % 301}`));
    const filter = pairFilterOfKeys(pairs);
    expect(filter.length).toBe(1000);
    for (const p of pairs) expect(filterMayHold(filter, p), p).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 10_000; i++) if (filterMayHold(filter, pairKey(`x${i}`, `y${i}`))) falsePositives++;
    expect(falsePositives).toBeLessThan(250);
    expect(filterMayHold(pairFilterOfKeys([]), pairs[0]!)).toBe(false);
  });

  it("tells word pairs from words and kind keys (a kind of several words holds a space too)", () => {
    expect(isPairKey(pairKey("facial", "recognit"))).toBe(true);
    expect(isPairKey(k("recognition"))).toBe(false);
    expect(isPairKey(kindKey("news story"))).toBe(false);
    expect(isPairKey(kindKey("speech"))).toBe(false);
  });

  it("stores no word pair under the GIN index; a pair clause narrows through the row's pair filter", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const store = await openPostgresState(db.url, { clock, searchKeys: releaseIndexKeys });
    cleanups.push(() => store.close());
    const a = makeRelease("Facial recognition vans", "2024-01-01", { kind: "news story" });
    const b = makeRelease("Recognition of facial injuries", "2024-01-02");
    const c = makeRelease("Knife arches", "2024-01-03");
    await store.commit({ releases: [a, b, c] });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string; keys: string[]; pairs: Buffer }>("select id, keys, pairs from search_docs");
      expect(rows.length).toBe(3);
      for (const row of rows) {
        const all = releaseSearchKeys([a, b, c].find((r) => r.id === row.id)!);
        expect(all.some(isPairKey)).toBe(true);
        expect([...row.keys].sort()).toEqual(all.filter((key) => !isPairKey(key)).sort());
        for (const pair of all.filter(isPairKey)) expect(filterMayHold(row.pairs, pair), pair).toBe(true);
      }
    } finally {
      await client.end();
    }
    const pair = pairKey(k("facial"), k("recognition"));
    expect(releaseSearchKeys(a)).toContain(pair);
    expect(releaseSearchKeys(b)).not.toContain(pair);
    // The pair narrows through the row's filter, in SQL exactly as the filter reads here (a filter
    // may hold a pair it was not given, rarely: "knif arch" is one for b's), alone, with words, with
    // a kind, beside a NOT.
    const filterOf = (r: typeof a) => pairFilterOfKeys(releaseSearchKeys(r).filter(isPairKey));
    const mayHold = (...pairs: string[]) => [a, b, c].filter((r) => pairs.some((p) => filterMayHold(filterOf(r), p))).map((r) => r.id).sort();
    const knifeArch = pairKey(k("knife"), k("arches"));
    expect(mayHold(pair)).toEqual([a.id]);
    expect(mayHold(knifeArch)).toEqual([b.id, c.id].sort());
    expect(await ids(await store.search.candidates([[pair], [k("facial")], [k("recognition")]]))).toEqual([a.id]);
    expect(await ids(await store.search.candidates([[pair]]))).toEqual([a.id]);
    expect(await ids(await store.search.candidates([[knifeArch]]))).toEqual([b.id, c.id].sort());
    expect(await ids(await store.search.candidates([[pair, knifeArch]]))).toEqual([a.id, b.id, c.id].sort());
    expect(await ids(await store.search.candidates([[knifeArch], [k("knife")]]))).toEqual([c.id]);
    expect(await ids(await store.search.candidates([[pair], [kindKey("news story")]]))).toEqual([a.id]);
    expect(await ids(await store.search.candidates([[k("facial")]], [kindKey("news story")]))).toEqual([b.id]);
    // A clause mixing a pair and a word is left out: more candidates, never fewer.
    expect(await ids(await store.search.candidates([[pair, k("knife")]]))).toEqual([a.id, b.id, c.id].sort());
  });

  it("finds rare words through the GIN index by their hashes and answers by the words themselves, two words sharing a hash included", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const store = await openPostgresState(db.url, { clock, searchKeys: releaseIndexKeys });
    cleanups.push(() => store.close());
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // hashtext gives these two words one hash (found by trying words w1…w300000): the index
      // cannot tell them apart, the keys must.
      const hashes = await client.query<{ same: boolean }>("select hashtext('w528') = hashtext('w235398') as same");
      expect(hashes.rows[0]!.same).toBe(true);
      const newer = Array.from({ length: 600 }, (_, i) => makeRelease(`Knife crime report ${i}`, `2024-0${1 + (i % 9)}-1${i % 10}`));
      const a = makeRelease("Report w528", "2020-01-02");
      const b = makeRelease("Report w235398", "2020-01-03");
      await store.commit({ releases: [...newer, a, b] });
      const rows = await client.query<{ n: number }>("select count(*)::int as n from search_docs where hkeys is distinct from pressroom_key_hashes(keys)");
      expect(rows.rows[0]!.n).toBe(0);
      const index = await client.query<{ indexdef: string }>("select indexdef from pg_indexes where indexname = 'search_docs_keys'");
      expect(index.rows[0]!.indexdef).toMatch(/USING gin \(hkeys\)/);
      // Rare among 602 rows: after its first page the walk hands over to the GIN index.
      expect(await ids(await store.search.candidates([[k("w528")]]))).toEqual([a.id]);
      expect(await ids(await store.search.candidates([[k("w235398")]]))).toEqual([b.id]);
      expect(await ids(await store.search.candidates([[k("w528"), k("w235398")]]))).toEqual([a.id, b.id].sort());
      expect(await ids(await store.search.candidates([[k("report")], [k("w528"), k("w235398")]], [k("w235398")]))).toEqual([a.id]);
    } finally {
      await client.end();
    }
  });
});
