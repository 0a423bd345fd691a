import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { FeedEntry, SearchCandidates } from "../../src/core/ports.js";
import { releaseIndexKeys } from "../../src/match/search-index.js";
import { normalizeWord } from "../../src/match/tokenize.js";
import { stateEngines, type TestState } from "../helpers/state-engines.js";
import { cleanupRetrying, makeRelease } from "./contract/fixtures.js";

const postgres = stateEngines().find((e) => e.name === "postgres");
const withPostgres = postgres ? describe : describe.skip;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const k = (word: string) => normalizeWord(word);

async function readAll(candidates: SearchCandidates | undefined): Promise<FeedEntry[] | undefined> {
  if (!candidates) return undefined;
  const out: FeedEntry[] = [];
  for (let batch = await candidates.next(50); batch.length > 0; batch = await candidates.next(50)) out.push(...batch);
  return out;
}

/*
 * A search rebuild takes the search_complete row FOR UPDATE, so that a commit without keys (which
 * marks the index out of date) waits for it. Such a commit used to update the row only when it was
 * not 'false' already; during a rebuild it is 'false' (that is why the rebuild runs), so the commit
 * took no lock, landed behind the rebuild's scan, and the rebuild then marked the index complete
 * without that change.
 */
withPostgres("PostgreSQL search rebuild against a commit without keys on another instance", () => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

  it("after the rebuild, search_complete is true only if every committed release is indexed with its current text", async () => {
    s = await postgres!.fresh({ searchKeys: releaseIndexKeys });
    const indexer = s.store; // opened with keys: can rebuild
    const keyless = await s.open({}); // another instance's handle without keys (marks the index out of date)

    const early = makeRelease("Knife crime figures published", "2023-10-01");
    const late = makeRelease("Border force recruitment", "2023-10-20");
    await keyless.commit({ releases: [early, late] });
    expect(await indexer.search.candidates([[k("knife")]])).toBeUndefined(); // out of date, as designed

    // Pause the rebuild part-way through its scan: an uncommitted search_docs row for `late`
    // makes the rebuild's insert of that batch wait (a slow statement, a busy server).
    const admin = new pg.Client({ connectionString: s.target.url });
    await admin.connect();
    try {
      await admin.query("begin");
      await admin.query("insert into search_docs (id, date, updated_at, keys, hkeys) values ($1, $2, $3, '{}', '{}')", [late.id, late.date, late.updatedAt]);
      const rebuild = indexer.search.rebuild();
      let waiting = 0;
      for (let i = 0; i < 100 && waiting === 0; i++) {
        await sleep(50);
        waiting = Number((await admin.query<{ n: string }>("select count(*) as n from pg_locks where not granted")).rows[0]!.n);
      }
      expect(waiting).toBeGreaterThan(0); // the rebuild has read the releases and waits to write them

      // Meanwhile the keyless instance revises `early` (a new word) and stores a new release.
      const revised = { ...early, title: "Knife crime figures published: drones at prisons", updatedAt: "2023-10-21T09:00:00Z" };
      const added = makeRelease("Drones seized near prisons", "2023-10-02");
      const commit = keyless.commit({ releases: [revised, added] });
      // It waits for the rebuild (which waits for the admin's row).
      expect(await Promise.race([commit.then(() => "committed"), sleep(1_000).then(() => "waiting")])).toBe("waiting");

      await admin.query("rollback");
      await rebuild;
      await commit;

      const stored = await indexer.releases.get(revised.id);
      expect(stored?.title).toContain("drones"); // the revision is stored
      expect(await indexer.releases.get(added.id)).toBeDefined(); // so is the new release
      const found = await readAll(await indexer.search.candidates([[k("drones")]]));
      const flag = (await admin.query<{ value: string }>("select value from pressroom_meta where key = 'search_complete'")).rows[0]?.value;
      expect(flag).toBe("false");
      // The index is marked out of date (search reads the releases instead) rather than complete without them.
      expect(found).toBeUndefined();
    } finally {
      await keyless.close();
      await admin.end().catch(() => {});
    }
  }, 30_000);
});
