import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { migrate } from "../../src/store/postgres/migrate.js";
import { openPostgresState } from "../../src/store/postgres/open-postgres-state.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { cleanupRetrying } from "./contract/fixtures.js";

const clock = fixedClock("2026-11-29T10:00:00Z");

describe.skipIf(!testDatabaseUrl())("schema 7 database with dirty marks upgrades to 10", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await cleanupRetrying(c);
  });
  it("keeps dirty marks with distinct versions, and publish clears them", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await migrate(c, "test", 7);
      await c.query("insert into feeds (name) values ('all'), ('topics/x')");
      await c.query("insert into feed_dirty (feed) values ('all'), ('topics/x')");
    } finally {
      await c.end();
    }
    const s = await openPostgresState(db.url, { clock });
    cleanups.push(() => s.close());
    const marks = await s.feeds.dirtyMarks();
    expect(marks.map((m) => m.feed)).toEqual(["all", "topics/x"]);
    expect(new Set(marks.map((m) => m.version)).size).toBe(2);
    await s.feeds.publish([{ name: "all", xml: "<feed/>", entries: 0 }], [marks[0]!]);
    expect(await s.feeds.dirty()).toEqual(["topics/x"]);
  });
});
