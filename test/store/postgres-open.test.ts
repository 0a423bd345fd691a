import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { isPressroomError } from "../../src/core/errors.js";
import { migrate, SCHEMA_VERSION } from "../../src/store/postgres/migrate.js";
import { openPostgresState } from "../../src/store/postgres/open-postgres-state.js";
import { upsertReleases } from "../../src/store/postgres/pg-releases.js";
import { QueryQueue } from "../../src/store/postgres/pg-db.js";
import type { StoredRelease } from "../../src/core/release.js";
import { isPairKey, kindKey } from "../../src/core/search-key.js";
import { compileQuery } from "../../src/match/index.js";
import { newestFirst, releaseIndexKeys, releaseSearchKeys } from "../../src/match/search-index.js";
import { searchStore } from "../../src/match/search-releases.js";
import { normalizeWord } from "../../src/match/tokenize.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { cleanupRetrying, makeRelease } from "./contract/fixtures.js";

const clock = fixedClock("2026-11-29T10:00:00Z");

/**
 * A database at schema `version` (3 to 5) holding `releases` and their search rows as schemas 3 to 5
 * wrote them (every key releaseSearchKeys gives, word pairs too, under the GIN index; indexReleases
 * now writes the columns of schema 6), marked complete; `check` runs before any later migration.
 */
async function seedSearchAtSchema(url: string, version: number, releases: readonly StoredRelease[], check?: (c: pg.Client) => Promise<void>): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await migrate(c, "test", version);
    const writes = new QueryQueue(c as unknown as pg.PoolClient);
    upsertReleases(writes, releases);
    await writes.done();
    await c.query(
      `insert into search_docs (id, date, updated_at, keys) select id, date, upd, string_to_array(k, E'\\n') from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as t(id, date, upd, k)`,
      [releases.map((r) => r.id), releases.map((r) => r.date), releases.map((r) => r.updatedAt), releases.map((r) => releaseSearchKeys(r).join("\n"))],
    );
    await c.query("update pressroom_meta set value = 'true' where key = 'search_complete'");
    await check?.(c);
  } finally {
    await c.end();
  }
}

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error("expected a failure"); }, (e: unknown) => e);


/**
 * Schema 10 marks an index keyed by earlier word terms out of date (a search rebuilds it). The
 * words these tests query kept their terms, so the migrated rows must still answer them: the
 * index is marked complete again to ask them.
 */
async function answerFromMigratedRows(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    expect((await c.query("select value from pressroom_meta where key = 'search_complete'")).rows).toEqual([{ value: "false" }]);
    await c.query("update pressroom_meta set value = 'true' where key = 'search_complete'");
  } finally {
    await c.end();
  }
}

describe.skipIf(!testDatabaseUrl())("postgres open: schema, connection errors", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await cleanupRetrying(c);
  });

  it("names the database without its password", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const store = await openPostgresState(db.url, { clock });
    cleanups.push(() => store.close());
    expect(store.engine).toBe("postgres");
    const u = new URL(db.url);
    expect(store.location).toBe(`postgres://${u.username}@${u.host}${u.pathname}`);
    expect(store.location).not.toContain(`:${u.password}@`);
  });

  it("migrates once, even when instances open a new database at the same time", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresState(db.url, { clock, poolSize: 2 })));
    for (const s of stores) cleanups.push(() => s.close());
    await stores[0]!.commit({ releases: [makeRelease("Violence against women strategy", "2024-02-01")] });
    expect(await stores[2]!.releases.count()).toBe(1);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      expect((await c.query("select value from pressroom_meta where key = 'schema_version'")).rows).toEqual([{ value: String(SCHEMA_VERSION) }]);
    } finally {
      await c.end();
    }
  });

  it("migrates a schema 1 database (release documents as jsonb) to the current schema with its releases and feed documents intact", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const release = makeRelease("Asylum accommodation update", "2024-03-05", { earlierTitles: ["Asylum sites update"] });
    try {
      await migrate(c, "test", 1);
      await c.query("insert into releases (id, month, date, data) values ($1, '2024-03', '2024-03-05', $2::jsonb)", [release.id, JSON.stringify(release)]);
      await c.query("insert into feed_documents (name, xml, etag, updated, entries) values ('all', '<feed/>', '\"e\"', '2024-03-05T00:00:00Z', 1)");
      expect((await c.query("select data_type from information_schema.columns where table_name = 'releases' and column_name = 'data'")).rows).toEqual([{ data_type: "jsonb" }]);
    } finally {
      await c.end();
    }
    const store = await openPostgresState(db.url, { clock });
    cleanups.push(() => store.close());
    expect(await store.releases.get(release.id)).toEqual(release);
    expect((await store.releases.byKeys([`id:${release.id}`])).size).toBe(0); // keys were never written in this hand-made state
    expect(await store.releases.months()).toEqual(["2024-03"]);
    expect((await store.feeds.get("all"))?.xml).toBe("<feed/>");
    const after = new pg.Client({ connectionString: db.url });
    await after.connect();
    try {
      expect((await after.query("select data_type from information_schema.columns where table_name = 'releases' and column_name = 'data'")).rows).toEqual([{ data_type: "json" }]);
      expect((await after.query("select value from pressroom_meta where key = 'schema_version'")).rows).toEqual([{ value: String(SCHEMA_VERSION) }]);
    } finally {
      await after.end();
    }
  });

  it("migrates a schema 3 search index (GIN only): its candidates come newest first from the walk added in schema 4", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const releases = Array.from({ length: 300 }, (_, i) => makeRelease(`Knife crime ${i}${i % 40 === 0 ? " glacier" : ""}`, `2024-0${1 + (i % 9)}-1${i % 10}`));
    await seedSearchAtSchema(db.url, 3, releases);
    const store = await openPostgresState(db.url, { clock, searchKeys: releaseIndexKeys });
    cleanups.push(() => store.close());
    await answerFromMigratedRows(db.url);
    const newest = [...releases].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : a.id < b.id ? -1 : 1));
    for (const [word, want] of [["knife", newest], ["glacier", newest.filter((r) => r.title.includes("glacier"))]] as const) {
      const candidates = await store.search.candidates([[normalizeWord(word)]]);
      const got: string[] = [];
      for (let part = await candidates!.next(50); part.length > 0; part = await candidates!.next(50)) got.push(...part.map((e) => e.id));
      expect(got, word).toEqual(want.map((r) => r.id));
    }
    const after = new pg.Client({ connectionString: db.url });
    await after.connect();
    try {
      expect((await after.query("select indexname from pg_indexes where tablename = 'search_docs' order by indexname")).rows.map((r: { indexname: string }) => r.indexname)).toEqual(["search_docs_keys", "search_docs_newest", "search_docs_pkey"]);
    } finally {
      await after.end();
    }
  });

  it("migrates a schema 5 search index (word pairs under the GIN index) to words and kind keys compared as bytes, with the same answers", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const releases = Array.from({ length: 60 }, (_, i) =>
      makeRelease(i % 3 === 0 ? `Facial recognition vans ${i}` : `Recognition of facial injuries ${i}`, `2024-0${1 + (i % 9)}-1${i % 10}`, { kind: i % 4 === 0 ? "news story" : "press-release" }));
    await seedSearchAtSchema(db.url, 5, releases, async (c) => {
      const pairs = await c.query<{ n: string }>("select count(*) as n from search_docs, unnest(keys) k where strpos(k, ' ') > 0 and left(k, 5) <> 'kind:'");
      expect(Number(pairs.rows[0]!.n)).toBeGreaterThan(500);
    });
    const store = await openPostgresState(db.url, { clock, searchKeys: releaseIndexKeys });
    cleanups.push(() => store.close());
    const after = new pg.Client({ connectionString: db.url });
    await after.connect();
    try {
      expect((await after.query("select value from pressroom_meta where key = 'schema_version'")).rows).toEqual([{ value: String(SCHEMA_VERSION) }]);
      expect((await after.query("select collation_name from information_schema.columns where table_name = 'search_docs' and column_name = 'keys'")).rows).toEqual([{ collation_name: "C" }]);
      expect((await after.query("select indexname from pg_indexes where tablename = 'search_docs' order by indexname")).rows.map((r: { indexname: string }) => r.indexname)).toEqual(["search_docs_keys", "search_docs_newest", "search_docs_pkey"]);
      // Each row keeps exactly its words and kind key (a kind of two words holds a space and stays).
      const { rows } = await after.query<{ id: string; keys: string[] }>("select id, keys from search_docs order by id");
      const byId = new Map(releases.map((r) => [r.id, r]));
      expect(rows.length).toBe(releases.length);
      for (const row of rows) expect([...row.keys].sort(), row.id).toEqual(releaseSearchKeys(byId.get(row.id)!).filter((k) => !isPairKey(k)).sort());
      expect(rows.some((r) => r.keys.includes(kindKey("news story")))).toBe(true);
      // Schema 7: the GIN index covers the keys' hashes, made from the rows' keys.
      expect((await after.query("select count(*)::int as n from search_docs where hkeys is distinct from pressroom_key_hashes(keys)")).rows).toEqual([{ n: 0 }]);
      expect((await after.query("select indexdef from pg_indexes where indexname = 'search_docs_keys'")).rows[0].indexdef).toMatch(/USING gin \(hkeys\)/);
      // No pair filter yet (null: any pair may be there) until a row is written again.
      expect((await after.query("select count(*)::int as n from search_docs where pairs is null")).rows).toEqual([{ n: releases.length }]);
    } finally {
      await after.end();
    }
    await answerFromMigratedRows(db.url);
    // Search gives what testing every release gives, phrases (no pair keys now) and kinds of two words included.
    for (const query of ["\"facial recognition\"", "\"recognition vans\" AND NOT kind:\"news story\"", "kind:\"news story\" AND facial", "facial AND NOT vans"]) {
      const compiled = compileQuery(query);
      const expected = releases.filter((r) => compiled.matches(r)).sort(newestFirst).map((r) => r.id);
      expect(expected.length, query).toBeGreaterThan(0);
      expect((await searchStore(store, compiled, { limit: 100 })).hits.map((r) => r.id), query).toEqual(expected);
    }
    // A release committed after the upgrade is indexed without pairs too, and found by its phrase.
    const late = makeRelease("Facial recognition vans in Croydon", "2025-01-02");
    await store.commit({ releases: [late] });
    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    try {
      expect((await check.query("select count(*)::int as n from search_docs where pairs is null")).rows).toEqual([{ n: releases.length }]);
    } finally {
      await check.end();
    }
    expect((await searchStore(store, compileQuery("\"facial recognition\" AND croydon"), { limit: 10 })).hits.map((r) => r.id)).toEqual([late.id]);
  });

  it("compresses release documents and search keys with lz4 (schema 11), from a new database and from schema 10", async () => {
    const compression = async (url: string) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        const { rows } = await c.query<{ col: string; c: string }>(
          `select attrelid::regclass || '.' || attname as col, attcompression as c from pg_attribute
           where (attrelid = 'releases'::regclass and attname = 'data') or (attrelid = 'search_docs'::regclass and attname in ('keys', 'hkeys'))
              or (attrelid = 'feed_documents'::regclass and attname = 'xml') order by 1`,
        );
        return Object.fromEntries(rows.map((r) => [r.col, r.c]));
      } finally {
        await c.end();
      }
    };
    const lz4 = { "feed_documents.xml": "l", "releases.data": "l", "search_docs.hkeys": "l", "search_docs.keys": "l" };
    const fresh = await createTestDatabase();
    cleanups.push(fresh.drop);
    await (await openPostgresState(fresh.url, { clock })).close();
    expect(await compression(fresh.url)).toEqual(lz4);

    const older = await createTestDatabase();
    cleanups.push(older.drop);
    const c = new pg.Client({ connectionString: older.url });
    await c.connect();
    await migrate(c, "test", 10);
    await c.end();
    // Schema 2's type change to json left the release documents on the server's default (pglz).
    expect((await compression(older.url))["releases.data"]).toBe("");
    const store = await openPostgresState(older.url, { clock });
    await store.commit({ releases: [makeRelease("Border security bill", "2025-01-30")] });
    expect((await store.releases.inMonth("2025-01")).map((r) => r.title)).toEqual(["Border security bill"]);
    await store.close();
    expect(await compression(older.url)).toEqual(lz4);
  });

  it("refuses a database written by a newer Pressroom", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const store = await openPostgresState(db.url, { clock });
    await store.commit({ releases: [makeRelease("Border security bill", "2025-01-30")] });
    await store.close();
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query("update pressroom_meta set value = $1 where key = 'schema_version'", [String(SCHEMA_VERSION + 1)]);
    await c.end();
    const error = await failure(openPostgresState(db.url, { clock }));
    expect(isPressroomError(error, "STATE_SCHEMA")).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`^store: postgres://.+ was written by a newer Pressroom \\(schema ${SCHEMA_VERSION + 1}, this one reads ${SCHEMA_VERSION}\\); upgrade Pressroom\\.$`));
    expect((error as Error).message).not.toContain(":pressroom@");
  });

  it("reports a refused connection as STATE_IO without the password", async () => {
    const url = "postgres://pressroom:hunter2-very-secret@127.0.0.1:1/pressroom";
    const error = await failure(openPostgresState(url, { clock }));
    expect(isPressroomError(error, "STATE_IO")).toBe(true);
    expect((error as Error).message).toMatch(/^store: unable to connect to postgres:\/\/pressroom@127\.0\.0\.1:1\/pressroom: /);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect((error as Error).message).not.toContain("hunter2");
  });

  it("reports a wrong password as STATE_IO without the password", async () => {
    const u = new URL(testDatabaseUrl()!);
    u.password = "not-the-right-one-42";
    const error = await failure(openPostgresState(u.toString(), { clock }));
    expect(isPressroomError(error, "STATE_IO")).toBe(true);
    expect((error as Error).message).toContain("store: unable to connect to");
    expect((error as Error).message).toMatch(/password authentication failed/);
    expect((error as Error).message).not.toContain("not-the-right-one-42");
  });
});
