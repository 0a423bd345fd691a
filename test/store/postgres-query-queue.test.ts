import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { releaseIndexKeys } from "../../src/match/search-index.js";
import { openState } from "../../src/store/index.js";
import { QueryQueue } from "../../src/store/postgres/pg-db.js";
import { makeRelease } from "./contract/fixtures.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";

describe.skipIf(!testDatabaseUrl())("postgres: statements queued on one connection", () => {
  let db: { url: string; drop(): Promise<void> };
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await pool.query("create table q (n serial primary key, v text not null)");
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it("run in the order queued, and are all done once the queue is, with no query queued inside node-postgres", async () => {
    // node-postgres warns (DeprecationWarning) when a query is given while another runs.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on("warning", onWarning);
    const client = await pool.connect();
    try {
      await client.query("begin");
      const queue = new QueryQueue(client);
      for (let i = 0; i < 50; i++) queue.query("insert into q (v) values ($1)", [`v${i}`]);
      // A delete queued after the inserts sees them: the statements did not overtake each other.
      queue.query("delete from q where v in ('v3', 'v40')");
      await queue.done();
      await client.query("commit");
    } finally {
      client.release();
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => /already executing a query/.test(w))).toEqual([]);
    const { rows } = await pool.query<{ v: string }>("select v from q order by n");
    expect(rows.map((r) => r.v)).toEqual(Array.from({ length: 50 }, (_, i) => `v${i}`).filter((v) => v !== "v3" && v !== "v40"));
  });

  it("throw the first failure and send nothing after it, and leave nothing written once rolled back", async () => {
    await pool.query("delete from q");
    const client = await pool.connect();
    try {
      await client.query("begin");
      const queue = new QueryQueue(client);
      queue.query("insert into q (v) values ('kept?')");
      queue.query("insert into q (v) values (null)");
      queue.query("insert into q (v) values ('after')");
      await expect(queue.done()).rejects.toThrow(/null value in column "v"/);
      await client.query("rollback");
    } finally {
      client.release();
    }
    expect((await pool.query("select count(*)::int as n from q")).rows[0].n).toBe(0);
    // Outside a transaction a statement sent after the failure would be written: none is.
    const plain = await pool.connect();
    try {
      const queue = new QueryQueue(plain);
      queue.query("insert into q (v) values ('before')");
      queue.query("insert into q (v) values (null)");
      queue.query("insert into q (v) values ('after')");
      await expect(queue.done()).rejects.toThrow(/null value in column "v"/);
    } finally {
      plain.release();
    }
    expect((await pool.query<{ v: string }>("select v from q order by n")).rows.map((r) => r.v)).toEqual(["before"]);
  });

  it("of a commit whose search keys fail are not sent once it gives up: nothing runs after its rollback", async () => {
    const state = await createTestDatabase();
    let failing = false;
    const store = await openState({ kind: "postgres", url: state.url }, {
      clock: fixedClock("2026-11-29T10:00:00Z"),
      // Fails on the first release it is asked for, while the releases' statements are still queued.
      searchKeys: (release) => {
        if (failing) throw new Error("search keys failed on purpose");
        return releaseIndexKeys(release);
      },
    });
    const direct = new pg.Client({ connectionString: state.url });
    const tables = async () => {
      const { rows } = await direct.query<{ t: string; n: number }>(
        `select 'revised' as t, count(*)::int as n from releases where data->>'title' like 'Revised%'
         union all select 'release_keys', count(*)::int from release_keys
         union all select 'release_titles', count(*)::int from release_titles`,
      );
      return Object.fromEntries(rows.map((r) => [r.t, r.n]));
    };
    try {
      await direct.connect();
      // More releases than one statement writes: the queue holds several statements when the keys fail.
      const releases = Array.from({ length: 1_200 }, (_, i) => makeRelease(`Fraud charter update ${i}`, `2023-10-${String(1 + (i % 28)).padStart(2, "0")}`));
      await store.commit({ releases });
      const before = await tables();
      failing = true;
      const revised = releases.map((r, i) => ({ ...r, title: `Revised fraud charter ${i}`, updatedAt: "2023-11-01T00:00:00.000Z" }));
      await expect(store.commit({ releases: revised })).rejects.toThrow(/search keys failed on purpose/);
      // Statements left in the queue would run after the rollback, outside the transaction.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await tables()).toEqual({ ...before, revised: 0 });
    } finally {
      await direct.end();
      await store.close();
      await state.drop();
    }
  });
});
