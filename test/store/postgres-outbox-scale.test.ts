import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import type { OutboxAck } from "../../src/core/ports.js";
import { migrate } from "../../src/store/postgres/migrate.js";
import { openPostgresState } from "../../src/store/postgres/open-postgres-state.js";
import { ACKNOWLEDGE, RECORD_BATCHES } from "../../src/store/postgres/pg-outbox.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { at, cleanupRetrying, iso, makeDelivery } from "./contract/fixtures.js";

const clock = fixedClock("2026-11-29T10:00:00Z");

/** Inserts `n` deliveries with `status` straight into the table (no statistics refreshed). */
const insertRows = (from: number, n: number, status: string) =>
  `insert into deliveries (id, email, status, due_at, created_at, finished_at, data)
   select 'd' || lpad(g::text, 8, '0'), 'r' || g || '@example.org', '${status}', '2026-11-29T09:00:00Z', '2026-11-29T09:00:00Z', case when '${status}' <> 'pending' then timestamptz '2026-11-29T09:30:00Z' end,
     jsonb_build_object('id', 'd' || lpad(g::text, 8, '0'), 'status', '${status}', 'topics', '[]'::jsonb)
   from generate_series(${from}, ${from + n - 1}) g`;

/** The most rows any scan of `deliveries` read, by EXPLAIN ANALYZE in a transaction rolled back. */
async function rowsRead(c: pg.Client, statement: string, params: unknown[]): Promise<number> {
  await c.query("begin");
  try {
    const { rows } = await c.query<{ "QUERY PLAN": unknown }>(`explain (analyze, format json) ${statement}`, params);
    let most = 0;
    const walk = (node: Record<string, unknown>) => {
      if (node["Relation Name"] === "deliveries") most = Math.max(most, Number(node["Actual Rows"]) * Number(node["Actual Loops"] ?? 1));
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    walk((rows[0]!["QUERY PLAN"] as { Plan: Record<string, unknown> }[])[0]!.Plan);
    return most;
  } finally {
    await c.query("rollback");
  }
}

describe.skipIf(!testDatabaseUrl())("PostgreSQL outbox at scale", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await cleanupRetrying(c);
  });

  async function client(url: string): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    cleanups.push(() => c.end());
    return c;
  }

  /** A fresh database, a store on it, a client of its own, and the deliveries' row count as the statistics hold it (-1: never analyzed). */
  async function freshOutbox() {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const s = await openPostgresState(db.url, { clock });
    cleanups.push(() => s.close());
    const c = await client(db.url);
    const tuples = async () => Number((await c.query<{ n: number }>("select reltuples as n from pg_class where relname = 'deliveries'")).rows[0]!.n);
    return { s, c, tuples, url: db.url };
  }

  it("an ack or a batch record of a few deliveries reads those, even when the statistics count none pending", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    await (await openPostgresState(db.url, { clock })).close();
    const c = await client(db.url);
    // The history is analyzed; then 5,000 are queued and not (as after a big enqueue before autovacuum).
    await c.query(insertRows(0, 20_000, "sent"));
    await c.query("analyze deliveries");
    await c.query(insertRows(100_000, 5_000, "pending"));
    const ids = Array.from({ length: 10 }, (_, i) => `d${String(100_000 + i * 97).padStart(8, "0")}`);
    const acks = ids.map((id) => ({ id, status: "sent", due_at: null, patch: { status: "sent" } }));
    expect(await rowsRead(c, ACKNOWLEDGE, [JSON.stringify(acks), new Date()])).toBeLessThanOrEqual(10);
    const batches = ids.map((id) => ({ id, batch_id: "b", message_id: "m" }));
    expect(await rowsRead(c, RECORD_BATCHES, [JSON.stringify(batches)])).toBeLessThanOrEqual(10);
  });

  it("a commit that queues many deliveries refreshes the table's statistics; one that queues a few does not", async () => {
    const { s, tuples } = await freshOutbox();
    await s.commit({ deliveries: Array.from({ length: 100 }, (_, i) => makeDelivery(`few-${i}`, `r${i}@example.org`, iso(0))) });
    expect(await tuples()).toBe(-1); // never analyzed
    await s.commit({ deliveries: Array.from({ length: 2_000 }, (_, i) => makeDelivery(`many-${i}`, `r${i}@example.org`, iso(0))) });
    expect(await tuples()).toBe(2_100);
    await s.outbox.enqueue(Array.from({ length: 2_000 }, (_, i) => makeDelivery(`more-${i}`, `r${i}@example.org`, iso(0))));
    expect(await tuples()).toBe(4_100);
  });

  it("a table held by a VACUUM (or anything else locking out ANALYZE) delays the commit by the upkeep's short lock wait at most", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const warnings: string[] = [];
    const debug: string[] = [];
    const log = {
      ...silentLogger,
      warn: (message: string, fields?: Record<string, unknown>) => warnings.push(`${message} ${JSON.stringify(fields)}`),
      debug: (message: string, fields?: Record<string, unknown>) => debug.push(`${message} ${JSON.stringify(fields)}`),
    };
    const s = await openPostgresState(db.url, { clock, log });
    cleanups.push(() => s.close());
    const holder = await client(db.url);
    // The lock VACUUM takes (and ANALYZE needs).
    await holder.query("begin");
    await holder.query("lock table deliveries in share update exclusive mode");
    const t0 = Date.now();
    const committed = await s.commit({ deliveries: Array.from({ length: 2_000 }, (_, i) => makeDelivery(`held-${i}`, `r${i}@example.org`, iso(0))) });
    const waited = Date.now() - t0;
    await holder.query("rollback");
    expect(committed.enqueued).toBe(2_000);
    expect((await s.outbox.stats(at(0))).pending).toBe(2_000);
    expect(waited).toBeLessThan(20_000); // it gives up after 100 ms; without a lock wait it would wait for the holder, here forever
    // Giving way is the plan: said at debug level, no warning.
    expect(debug.join("\n")).toMatch(/unable to refresh the outbox's statistics.*lock timeout/);
    expect(warnings).toEqual([]);
  });

  /** A store, and a client holding the lock VACUUM takes (and ANALYZE needs); autovacuum off, so only the store refreshes the statistics. */
  async function heldOutbox() {
    const fresh = await freshOutbox();
    await fresh.c.query("alter table deliveries set (autovacuum_enabled = off)");
    const holder = await client(fresh.url);
    await holder.query("begin");
    await holder.query("lock table deliveries in share update exclusive mode");
    return { ...fresh, holder };
  }

  it("a statistics refresh that gave way to a lock is tried again by the next claim, then every few seconds until it is done", async () => {
    const { s, tuples, holder } = await heldOutbox();
    await s.commit({ deliveries: Array.from({ length: 2_000 }, (_, i) => makeDelivery(`held-${i}`, `r${i}@example.org`, iso(-1))) });
    expect(await tuples()).toBe(-1);
    // Still held: the claim's try gives way too, and the claim goes on.
    expect(await s.outbox.claimDue("w1", 60_000, 5, at(0))).toHaveLength(5);
    expect(await tuples()).toBe(-1);
    await holder.query("rollback");
    // Tried again only a few seconds later.
    expect(await s.outbox.claimDue("w2", 60_000, 5, at(0))).toHaveLength(5);
    expect(await tuples()).toBe(-1);
    await new Promise((r) => setTimeout(r, 5_100));
    expect(await s.outbox.claimDue("w3", 60_000, 5, at(0))).toHaveLength(5);
    expect(await tuples()).toBe(2_000);
  });

  it("the first claim after a refresh that gave way tries it again at once", async () => {
    const { s, c, tuples, holder } = await heldOutbox();
    await s.outbox.enqueue(Array.from({ length: 2_000 }, (_, i) => makeDelivery(`held-${i}`, `r${i}@example.org`, iso(-1))));
    await holder.query("rollback");
    expect(await tuples()).toBe(-1);
    expect(await s.outbox.claimDue("w", 60_000, 5, at(0))).toHaveLength(5);
    expect(await tuples()).toBe(2_000);
    // Done: later claims do not refresh again.
    await c.query(insertRows(500_000, 100, "pending"));
    expect(await s.outbox.claimDue("w", 60_000, 5, at(0))).toHaveLength(5);
    expect(await tuples()).toBe(2_000);
  });

  it("a refresh that gave way in one run is made by the first claim of the next (a pool of its own, as each daemon run opens), from the table's change counter", async () => {
    const { s: run1, tuples, holder, url } = await heldOutbox();
    await run1.outbox.enqueue(Array.from({ length: 2_000 }, (_, i) => makeDelivery(`held-${i}`, `r${i}@example.org`, iso(60))));
    // Nothing due yet (digests for tomorrow): this run's flush claims nothing, and its retry gives way too.
    expect(await run1.outbox.claimDue("w1", 60_000, 5, at(0))).toHaveLength(0);
    await run1.close();
    await holder.query("rollback");
    expect(await tuples()).toBe(-1);
    const run2 = await openPostgresState(url, { clock });
    cleanups.push(() => run2.close());
    expect(await run2.outbox.claimDue("w2", 60_000, 5, at(61))).toHaveLength(5);
    expect(await tuples()).toBe(2_000);
  });

  it("two instances acking sent and failed deliveries at once do not deadlock on delivery_counts", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const retried: string[] = [];
    const log = { ...silentLogger, debug: (m: string, f?: Record<string, unknown>) => retried.push(`${m} ${JSON.stringify(f)}`) };
    const a = await openPostgresState(db.url, { clock, log });
    cleanups.push(() => a.close());
    const b = await openPostgresState(db.url, { clock, log });
    cleanups.push(() => b.close());
    const c = await client(db.url);
    await c.query(insertRows(0, 5_001, "pending"));
    await c.query(insertRows(100_000, 5_001, "pending"));
    const id = (g: number) => `d${String(g).padStart(8, "0")}`;
    // Instance A: 5,000 sent then one failed; instance B: 5,000 failed then one sent (ids sorted, 5,000 a statement).
    const acksA: OutboxAck[] = Array.from({ length: 5_001 }, (_, g) => (g < 5_000 ? { id: id(g), status: "sent", sentAt: iso(0) } : { id: id(g), status: "failed", error: "550", attempts: 1 }));
    const acksB: OutboxAck[] = Array.from({ length: 5_001 }, (_, g) => (g < 5_000 ? { id: id(100_000 + g), status: "failed", error: "550", attempts: 1 } : { id: id(100_000 + g), status: "sent", sentAt: iso(0) }));
    await Promise.all([a.outbox.ack(acksA), b.outbox.ack(acksB)]);
    expect(await a.outbox.stats(clock.now())).toMatchObject({ pending: 0, sent: 5_001, failed: 5_001 });
    // With one shared counter row per status, each waited for the other's: a deadlock, retried.
    expect(retried.filter((r) => r.includes("40P01"))).toEqual([]);
  });

  it("counts of connections gone are folded into one row per status once they pile up, totals unchanged", async () => {
    const { s, c } = await freshOutbox();
    // 100 connections long closed (pids no backend has) each counted one sent and one failed.
    await c.query(`insert into delivery_counts (status, slot, n) select st, 2000000 + g, 1 from generate_series(1, 100) g, unnest(array['sent', 'failed']) st`);
    await c.query(insertRows(0, 3, "sent")); // counted in this connection's own slot
    expect(await s.outbox.stats(at(60))).toMatchObject({ sent: 103, failed: 100, cancelled: 0 });
    const { rows } = await c.query<{ status: string; slot: number; n: string }>("select status, slot, n from delivery_counts order by status, slot");
    expect(rows.filter((r) => r.slot >= 2_000_000)).toEqual([]);
    expect(rows.filter((r) => r.slot === 0).map((r) => [r.status, Number(r.n)])).toEqual([["failed", 100], ["sent", 100]]);
    // This test's open connection keeps its own row.
    expect(rows.filter((r) => r.slot !== 0).map((r) => [r.status, Number(r.n)])).toEqual([["sent", 3]]);
    expect(await s.outbox.stats(at(60))).toMatchObject({ sent: 103, failed: 100 });
  });

  it("schema 12 counts the finished deliveries a database already holds, and goes on counting", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const c = await client(db.url);
    await migrate(c, "test", 11);
    await c.query(insertRows(0, 3, "sent"));
    await c.query(insertRows(10, 1, "failed"));
    await c.query(insertRows(20, 2, "cancelled"));
    await c.query(insertRows(30, 2, "pending"));
    const s = await openPostgresState(db.url, { clock });
    cleanups.push(() => s.close());
    expect(await s.outbox.stats(at(60))).toMatchObject({ pending: 2, due: 2, sent: 3, failed: 1, cancelled: 2 });
    await s.outbox.ack([{ id: "d00000030", status: "sent", sentAt: iso(0) }, { id: "d00000031", status: "failed", error: "550 no such user", attempts: 1 }]);
    // A late ack of a finished delivery changes nothing, counts included.
    await s.outbox.ack([{ id: "d00000000", status: "failed", error: "late", attempts: 2 }]);
    expect(await s.outbox.stats(at(60))).toMatchObject({ pending: 0, due: 0, sent: 4, failed: 2, cancelled: 2 });
    await c.query("delete from deliveries where status = 'cancelled'");
    expect(await s.outbox.stats(at(60))).toMatchObject({ sent: 4, failed: 2, cancelled: 0 });
  });
});
