import { afterEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import type { StateStore } from "../../src/core/ports.js";
import { openPostgresState } from "../../src/store/postgres/open-postgres-state.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { at, cleanupRetrying, iso, makeDelivery, makeTopic } from "./contract/fixtures.js";

const clock = fixedClock("2026-11-29T10:00:00Z");

/**
 * On PostgreSQL, a delivery queued (by a run on another instance that matched the subscribers
 * before) after its address removed every topic it matched is cancelled when claimed, through the
 * `unsubscribed` table (schema 9). copy-state exports such a delivery as cancelled: before, the
 * copy claimed and sent it, an alert to an address that had unsubscribed.
 */
describe.skipIf(!testDatabaseUrl())("copy-state keeps unsubscribes (schema 9 `unsubscribed`)", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await cleanupRetrying(c);
  });

  async function source(): Promise<StateStore> {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const a = await openPostgresState(db.url, { clock });
    cleanups.push(() => a.close());
    await a.subscriptions.addTopic("ann@example.org", makeTopic("t-asylum", "asylum"), "web");
    await a.subscriptions.removeTopics("ann@example.org");
    // Queued after the unsubscribe by a run that matched Ann's topics before it.
    expect(await a.outbox.enqueue([makeDelivery("d-late", "ann@example.org", iso(-1))])).toBe(1);
    return a;
  }

  it("exports the late deliveries cancelled, finished when the topics were removed or when queued after that", async () => {
    const a = await source();
    // Queued five minutes after the unsubscribe (10:00): it finished when it was queued.
    expect(await a.outbox.enqueue([makeDelivery("d-later", "ann@example.org", iso(5))])).toBe(1);
    const exported: Record<string, unknown>[] = [];
    for await (const r of a.exportRecords()) if (r.type === "delivery") exported.push(r.delivery as unknown as Record<string, unknown>);
    const pick = (d: Record<string, unknown> | undefined) => d && { status: d.status, lastError: d.lastError, finishedAt: d.finishedAt };
    expect(pick(exported.find((d) => d.id === "d-late"))).toEqual({ status: "cancelled", lastError: "unsubscribed before it was sent", finishedAt: clock.now().toISOString() });
    expect(pick(exported.find((d) => d.id === "d-later"))).toEqual({ status: "cancelled", lastError: "unsubscribed before it was sent", finishedAt: iso(5) });
  });

  it("PostgreSQL → PostgreSQL: the late delivery is still not sent after the copy", async () => {
    const a = await source();
    const db2 = await createTestDatabase();
    cleanups.push(db2.drop);
    const b = await openPostgresState(db2.url, { clock });
    cleanups.push(() => b.close());
    await b.importRecords(a.exportRecords());

    // The source would cancel it at the claim:
    expect((await a.outbox.claimDue("w", 60_000, 10, at(0))).map((d) => d.id)).toEqual([]);
    // The copy should too.
    expect((await b.outbox.claimDue("w", 60_000, 10, at(0))).map((d) => d.id)).toEqual([]);
  });

  it("PostgreSQL → state folder: the late delivery is still not sent after the copy", async () => {
    const a = await source();
    const { dir, cleanup } = await makeTempDir();
    cleanups.push(cleanup);
    const c = await openLowdbState(dir, { clock });
    cleanups.push(() => c.close());
    await c.importRecords(a.exportRecords());

    expect((await a.outbox.claimDue("w", 60_000, 10, at(0))).map((d) => d.id)).toEqual([]);
    expect((await c.outbox.claimDue("w", 60_000, 10, at(0))).map((d) => d.id)).toEqual([]);
  });
});
