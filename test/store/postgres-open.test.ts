import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { isPressroomError } from "../../src/core/errors.js";
import { migrate, SCHEMA_VERSION } from "../../src/store/postgres/migrate.js";
import { openPostgresState } from "../../src/store/postgres/open-postgres-state.js";
import { upsertReleases } from "../../src/store/postgres/pg-releases.js";
import { indexReleases } from "../../src/store/postgres/pg-search-index.js";
import { releaseSearchKeys } from "../../src/match/search-index.js";
import { normalizeWord } from "../../src/match/tokenize.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { cleanupRetrying, makeRelease } from "./contract/fixtures.js";

const clock = fixedClock("2026-11-29T10:00:00Z");
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error("expected a failure"); }, (e: unknown) => e);

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
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await migrate(c, "test", 3);
      await upsertReleases(c as unknown as pg.PoolClient, releases);
      await indexReleases(c as unknown as pg.PoolClient, releases, releaseSearchKeys);
      await c.query("update pressroom_meta set value = 'true' where key = 'search_complete'");
    } finally {
      await c.end();
    }
    const store = await openPostgresState(db.url, { clock, searchKeys: releaseSearchKeys });
    cleanups.push(() => store.close());
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

  it("refuses a database written by a newer Pressroom", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const store = await openPostgresState(db.url, { clock });
    await store.commit({ releases: [makeRelease("Border security bill", "2025-01-30")] });
    await store.close();
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query("update pressroom_meta set value = '7' where key = 'schema_version'");
    await c.end();
    const error = await failure(openPostgresState(db.url, { clock }));
    expect(isPressroomError(error, "STATE_SCHEMA")).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`^store: postgres://.+ was written by a newer Pressroom \\(schema 7, this one reads ${SCHEMA_VERSION}\\); upgrade Pressroom\\.$`));
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
