import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { releaseIndexKeys } from "../../src/match/search-index.js";
import { normalizeWord } from "../../src/match/tokenize.js";
import { openPostgresState } from "../../src/store/postgres/open-postgres-state.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { cleanupRetrying, makeRelease } from "./contract/fixtures.js";

const clock = fixedClock("2026-11-29T10:00:00Z");

/*
 * A commit of many releases (an import's) lets the GIN index of search_docs collect its keys in a
 * large pending list, merged in a few big passes instead of one every 4 MB; the pool that did so
 * merges what is left when it closes. gin_clean_pending_list says how many pending pages it merged.
 */
describe.skipIf(!testDatabaseUrl())("PostgreSQL search index: an import's keys in the pending list", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await cleanupRetrying(c);
  });

  /** Pending pages gin_clean_pending_list finds once a pool that committed `count` releases closed. */
  async function pendingPagesAfter(count: number): Promise<number> {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const store = await openPostgresState(db.url, { clock, searchKeys: releaseIndexKeys });
    const releases = Array.from({ length: count }, (_, i) => makeRelease(`Knife crime ${i}${i === 7 ? " glacier" : ""}`, `2024-0${1 + (i % 9)}-1${i % 10}`));
    try {
      await store.commit({ releases });
      // A rare word is found while its keys wait in the pending list.
      const candidates = await store.search.candidates([[normalizeWord("glacier")]]);
      const found = (await candidates!.next(10)).map((e) => e.id);
      expect(found).toEqual([releases[7]!.id]);
    } finally {
      await store.close();
    }
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ pages: string }>("select gin_clean_pending_list('search_docs_keys'::regclass) as pages");
      return Number(rows[0]!.pages);
    } finally {
      await c.end();
    }
  }

  it("a pool that indexed an import's commit merges the pending list when it closes", async () => {
    expect(await pendingPagesAfter(300)).toBe(0);
  });

  it("a pool of small commits leaves the pending list to PostgreSQL, as before", async () => {
    expect(await pendingPagesAfter(20)).toBeGreaterThan(0);
  });
});
