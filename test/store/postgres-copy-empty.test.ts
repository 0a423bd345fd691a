import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { isPressroomError } from "../../src/core/errors.js";
import { copyStateCommand } from "../../src/cli/commands/copy-state.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { openPostgresState } from "../../src/store/postgres/open-postgres-state.js";
import { STATE_TABLES } from "../../src/store/postgres/pg-copy.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { cleanupRetrying, makeRelease } from "./contract/fixtures.js";

const clock = fixedClock("2026-11-29T10:00:00Z");

/**
 * One row of each table of the PostgreSQL schema, alone in the state (a table referring to another
 * has its foreign keys dropped first, so the row is the only one). Every table must be listed: the
 * first test fails when a migration adds one that is not, so its emptiness is tested too.
 */
const ROWS: Readonly<Record<string, string>> = {
  releases: `insert into releases (id, month, date, data) values ('tag:x,2024-06-01:r', '2024-06', '2024-06-01', '{}')`,
  release_keys: `insert into release_keys (key, release_id) values ('id:r', 'tag:x,2024-06-01:r')`,
  release_titles: `insert into release_titles (title_key, date, release_id) values ('serious violence', '2024-06-01', 'tag:x,2024-06-01:r')`,
  search_docs: `insert into search_docs (id, date, updated_at, keys, hkeys) values ('tag:x,2024-06-01:r', '2024-06-01', '2024-06-01', '{violence}', '{1}')`,
  feeds: `insert into feeds (name) values ('all')`,
  feed_entries: `insert into feed_entries (feed, release_id, date, updated_at) values ('all', 'tag:x,2024-06-01:r', '2024-06-01', '2024-06-01')`,
  feed_dirty: `insert into feed_dirty (feed) values ('all')`,
  feed_documents: `insert into feed_documents (name, xml, etag, updated, entries) values ('all', '<feed/>', '"e"', '2024-06-01', 0)`,
  sources: `insert into sources (id, data) values ('govuk-news', '{}')`,
  subscribers: `insert into subscribers (email, origin, created_at, topics) values ('ann@example.org', 'web', '2026-11-29', '[]')`,
  seeded: `insert into seeded (email, topic_id) values ('ann@example.org', 't-asylum')`,
  pending_subscriptions: `insert into pending_subscriptions (token, email, data) values ('tok', 'ann@example.org', '{}')`,
  unsubscribed: `insert into unsubscribed (email, topic_id, at) values ('ann@example.org', 't-asylum', now())`,
  deliveries: `insert into deliveries (id, email, status, due_at, created_at) values ('d1', 'ann@example.org', 'sent', now(), now())`,
  runs: `insert into runs (data) values ('{}')`,
  // Created holding one row of zeros: a state that ran has counted something.
  run_totals: `update run_totals set data = jsonb_set(data, '{runs}', '3')`,
  delivery_counts: `insert into delivery_counts (status, slot, n) values ('sent', 0, 2)`,
};
/** Puts a table back as a fresh state holds it. */
const RESET: Readonly<Record<string, string>> = {
  run_totals: `update run_totals set data = jsonb_set(data, '{runs}', '0')`,
};

async function sql(url: string, ...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

/**
 * copy-state refuses a target that holds state (README "When one machine is not enough"). The
 * PostgreSQL check listed tables by hand and missed `unsubscribed`, `run_totals` and
 * `feed_entries`: a target holding only those was taken as empty and written over.
 */
describe.skipIf(!testDatabaseUrl())("PostgreSQL copy-state target: any table holding state makes it not empty", () => {
  const cleanups: (() => Promise<void>)[] = [];
  let from = "";
  beforeAll(async () => {
    const { dir, cleanup } = await makeTempDir();
    cleanups.push(cleanup);
    const source = await openLowdbState(dir, { clock });
    await source.commit({ releases: [makeRelease("Serious violence duty", "2024-06-01")] });
    await source.close();
    from = dir;
  });
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await cleanupRetrying(c);
  });

  async function freshTarget(): Promise<string> {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    await (await openPostgresState(db.url, { clock })).close();
    return db.url;
  }

  it("every table of the schema has a row in this test", async () => {
    const url = await freshTarget();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ name: string }>(
      "select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name <> 'pressroom_meta' order by 1",
    );
    await client.end();
    expect(rows.map((r) => r.name)).toEqual(Object.keys(ROWS).sort());
    expect([...STATE_TABLES].sort()).toEqual(Object.keys(ROWS).sort());
  });

  it("a table of another application in the same schema does not count", async () => {
    const url = await freshTarget();
    await sql(url, "create table spatial_ref_sys (srid int primary key)", "insert into spatial_ref_sys values (4326)");
    expect(await copyStateCommand({ from, to: url })).toBe(0);
  });

  it("an empty database is accepted", async () => {
    const url = await freshTarget();
    expect(await copyStateCommand({ from, to: url })).toBe(0);
  });

  // One database for every table (creating and dropping one each took most of the time): the
  // row is deleted after each case, and each case starts by checking the database is empty again.
  let shared = "";
  it.each(Object.keys(ROWS))("a database holding a row only in %s is refused, and left as it was", async (table) => {
    shared ||= await freshTarget();
    const url = shared;
    const target = await openPostgresState(url, { clock });
    try {
      expect(await target.isEmpty()).toBe(true);
      const dropForeignKeys = `do $$ declare c record; begin
        for c in select conname from pg_constraint where conrelid = '${table}'::regclass and contype = 'f' loop
          execute format('alter table ${table} drop constraint %I', c.conname);
        end loop; end $$`;
      await sql(url, dropForeignKeys, ROWS[table]!);
      try {
        const error = await copyStateCommand({ from, to: url }).then(() => undefined, (e: unknown) => e);
        if (!error) shared = ""; // written over: the next case takes a database of its own
        expect(isPressroomError(error, "STATE_NOT_EMPTY")).toBe(true);
        expect((error as Error).message).toMatch(/already holds state; copy into an empty folder or database \(nothing was changed\)/);
        expect(await target.releases.count()).toBe(table === "releases" ? 1 : 0);
      } finally {
        await sql(url, RESET[table] ?? `delete from ${table}`);
      }
    } finally {
      await target.close();
    }
  });
});
