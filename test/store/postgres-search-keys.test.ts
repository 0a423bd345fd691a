import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import type { SearchCandidates } from "../../src/core/ports.js";
import { isPairKey, kindKey, pairKey } from "../../src/core/search-key.js";
import { releaseSearchKeys } from "../../src/match/search-index.js";
import { normalizeWord } from "../../src/match/tokenize.js";
import { openPostgresState } from "../../src/store/postgres/open-postgres-state.js";
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

  it("tells word pairs from words and kind keys (a kind of several words holds a space too)", () => {
    expect(isPairKey(pairKey("facial", "recognit"))).toBe(true);
    expect(isPairKey(k("recognition"))).toBe(false);
    expect(isPairKey(kindKey("news story"))).toBe(false);
    expect(isPairKey(kindKey("speech"))).toBe(false);
  });

  it("stores no word pair, and leaves a pair clause out of the candidates rather than finding nothing", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const store = await openPostgresState(db.url, { clock, searchKeys: releaseSearchKeys });
    cleanups.push(() => store.close());
    const a = makeRelease("Facial recognition vans", "2024-01-01", { kind: "news story" });
    const b = makeRelease("Recognition of facial injuries", "2024-01-02");
    const c = makeRelease("Knife arches", "2024-01-03");
    await store.commit({ releases: [a, b, c] });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string; keys: string[] }>("select id, keys from search_docs");
      expect(rows.length).toBe(3);
      for (const row of rows) {
        const all = releaseSearchKeys([a, b, c].find((r) => r.id === row.id)!);
        expect(all.some(isPairKey)).toBe(true);
        expect([...row.keys].sort()).toEqual(all.filter((key) => !isPairKey(key)).sort());
      }
    } finally {
      await client.end();
    }
    const pair = pairKey(k("facial"), k("recognition"));
    expect(releaseSearchKeys(a)).toContain(pair);
    // The pair narrows nothing here: both releases holding the two words are candidates; the words still narrow.
    expect(await ids(await store.search.candidates([[pair], [k("facial")], [k("recognition")]]))).toEqual([a.id, b.id].sort());
    expect(await ids(await store.search.candidates([[pair]]))).toEqual([a.id, b.id, c.id].sort());
    expect(await ids(await store.search.candidates([[pair], [kindKey("news story")]]))).toEqual([a.id]);
    expect(await ids(await store.search.candidates([[k("facial")]], [kindKey("news story")]))).toEqual([b.id]);
  });
});
