import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import type { OutboxAck } from "../../src/core/ports.js";
import { openPostgresState } from "../../src/store/postgres/open-postgres-state.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { cleanupRetrying, iso } from "./contract/fixtures.js";

const clock = fixedClock("2026-11-29T10:00:00Z");

const insertPending = (from: number, n: number) =>
  `insert into deliveries (id, email, status, due_at, created_at, data)
   select 'd' || lpad(g::text, 8, '0'), 'r' || g || '@example.org', 'pending', '2026-11-29T09:00:00Z', '2026-11-29T09:00:00Z',
     jsonb_build_object('id', 'd' || lpad(g::text, 8, '0'), 'status', 'pending', 'topics', '[]'::jsonb)
   from generate_series(${from}, ${from + n - 1}) g`;
const id = (g: number) => `d${String(g).padStart(8, "0")}`;

describe.skipIf(!testDatabaseUrl())("delivery_counts triggers and concurrent senders", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await cleanupRetrying(c);
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
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    cleanups.push(() => c.end());
    await c.query(insertPending(0, 5_001));
    await c.query(insertPending(100_000, 5_001));
    // Instance A: 5,000 sent then one failed; instance B: 5,000 failed then one sent (ids sorted, 5,000 a statement).
    const acksA: OutboxAck[] = Array.from({ length: 5_001 }, (_, g) => (g < 5_000 ? { id: id(g), status: "sent", sentAt: iso(0) } : { id: id(g), status: "failed", error: "550", attempts: 1 }));
    const acksB: OutboxAck[] = Array.from({ length: 5_001 }, (_, g) => (g < 5_000 ? { id: id(100_000 + g), status: "failed", error: "550", attempts: 1 } : { id: id(100_000 + g), status: "sent", sentAt: iso(0) }));
    await Promise.all([a.outbox.ack(acksA), b.outbox.ack(acksB)]);
    expect(await a.outbox.stats(clock.now())).toMatchObject({ pending: 0, sent: 5_001, failed: 5_001 });
    // Before schema 12 the two acks touched disjoint rows only; now each waits for the other's counter row.
    expect(retried.filter((r) => r.includes("40P01"))).toEqual([]);
  });
});
