import { afterEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import type { StateRecord } from "../../src/core/ports.js";
import { openPostgresState } from "../../src/store/postgres/open-postgres-state.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { cleanupRetrying, iso, makeDelivery, makeRelease } from "./contract/fixtures.js";

const clock = fixedClock("2026-11-29T10:00:00Z");

describe.skipIf(!testDatabaseUrl())("postgres export", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await cleanupRetrying(c);
  });

  it("exports one consistent snapshot while another instance writes", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const a = await openPostgresState(db.url, { clock });
    const b = await openPostgresState(db.url, { clock });
    cleanups.push(() => a.close(), () => b.close());
    await a.commit({ releases: [makeRelease("Knife amnesty extended", "2024-08-01"), makeRelease("Knife crime figures", "2024-07-01")], deliveries: [makeDelivery("d1", "ann@example.org", iso(0))] });

    const records: StateRecord[] = [];
    const it = a.exportRecords()[Symbol.asyncIterator]();
    const first = await it.next();
    if (!first.done) records.push(first.value);
    // Written after the export began: not part of it.
    await b.commit({ releases: [makeRelease("Knife crime bill", "2024-09-01")], deliveries: [makeDelivery("d2", "bob@example.org", iso(0))] });
    for (let next = await it.next(); !next.done; next = await it.next()) records.push(next.value);

    expect(records.filter((r) => r.type === "release")).toHaveLength(2);
    expect(records.filter((r) => r.type === "delivery").map((r) => (r.type === "delivery" ? r.delivery.id : ""))).toEqual(["d1"]);
    expect(await b.releases.count()).toBe(3);
  });

  it("an export abandoned half way gives its connection back", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const a = await openPostgresState(db.url, { clock, poolSize: 1 });
    cleanups.push(() => a.close());
    await a.commit({ releases: [makeRelease("Asylum support rates", "2024-10-01"), makeRelease("Asylum appeals", "2024-11-01")] });
    for await (const record of a.exportRecords()) {
      expect(record.type).toBe("release");
      break;
    }
    // With a pool of one, this would wait for ever if the export still held the client.
    expect(await a.releases.count()).toBe(2);
  });
});
