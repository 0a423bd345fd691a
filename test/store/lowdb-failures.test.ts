import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import type { StateRecord } from "../../src/core/ports.js";
import type { Delivery } from "../../src/core/subscription.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { iso, makeDelivery, NOW } from "./contract/fixtures.js";

/*
 * lowdb keeps the final records of failed deliveries in queue/failed.jsonl. Every open read the
 * whole file and held every failure, and `status` and /metrics sorted them all: cost and memory
 * grew with the history of failures. Schema 5 keeps the file in finishing order and reads only
 * its end.
 */

const clock = fixedClock(NOW);
const FAILED = "queue/failed.jsonl";
const ids = (ds: readonly { id: string }[]) => ds.map((d) => d.id);

/** A failed delivery that finished `minute` minutes after NOW (none: written before `finishedAt` was kept). */
const failed = (id: string, minute?: number): Delivery =>
  makeDelivery(id, `${id}@example.org`, iso(-10), ["t-asylum"], { status: "failed", attempts: 1, lastError: `smtp: 550 ${id}`, ...(minute === undefined ? {} : { finishedAt: iso(minute) }) });

/** Bytes this process has read through read(2) and kin, page cache or not (Linux). */
const bytesRead = (): number => Number(/^rchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"))![1]);

describe("lowdb failures: kept in finishing order, read from the end", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
  afterEach(async () => cleanup());

  async function stateWithFailedFile(schemaVersion: number, records: readonly Delivery[], extra = "") {
    const store = await openLowdbState(dir, { clock });
    await store.close();
    await mkdir(join(dir, "queue"), { recursive: true });
    await writeFile(join(dir, FAILED), records.map((d) => `${JSON.stringify(d)}\n`).join("") + extra);
    await writeFile(join(dir, "meta.json"), JSON.stringify({ schemaVersion, createdAt: NOW }));
  }

  it("opens a schema 4 folder, whose failures are in the order they moved out, and puts them in finishing order", async () => {
    // Two moves out of the log, each in claim order; a record from before finishedAt was kept; one record appended twice.
    const records = [failed("legacy"), failed("f3", 3), failed("f1", 1), failed("f5", 5), failed("f2", 2), failed("f2", 2), failed("f4", 4)];
    await stateWithFailedFile(4, records);
    const store = await openLowdbState(dir, { clock });
    try {
      expect(JSON.parse(await readFile(join(dir, "meta.json"), "utf8"))).toMatchObject({ schemaVersion: 5 });
      const lines = (await readFile(join(dir, FAILED), "utf8")).split("\n").filter(Boolean).map((l) => (JSON.parse(l) as Delivery).id);
      expect(lines).toEqual(["legacy", "f1", "f2", "f2", "f3", "f4", "f5"]);
      expect(ids(await store.outbox.recentFailures(10))).toEqual(["f5", "f4", "f3", "f2", "f1", "legacy"]);
      expect(ids(await store.outbox.recentFailures(2))).toEqual(["f5", "f4"]);
      expect((await store.outbox.recentFailures(1))[0]).toMatchObject({ id: "f5", status: "failed", finishedAt: iso(5), lastError: "smtp: 550 f5" });
      expect(await store.outbox.recentFailures(0)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("opens a state and lists its newest failures without reading the rest of a long failure history", async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => failed(`old-${String(i).padStart(5, "0")}`, -100_000 + i));
    // A torn last append (no newline) is not a record.
    await stateWithFailedFile(5, [...many, failed("new-1", 1), failed("new-2", 2)], '{"id":"torn"');
    const size = (await readFile(join(dir, FAILED))).length;
    expect(size).toBeGreaterThan(10_000_000);
    const before = bytesRead();
    const store = await openLowdbState(dir, { clock });
    try {
      expect(ids(await store.outbox.recentFailures(3))).toEqual(["new-2", "new-1", "old-19999"]);
      await store.outbox.stats(clock.now());
      // Before schema 5 the open read all of it (and held 20,002 deliveries).
      expect(bytesRead() - before).toBeLessThan(size / 10);
    } finally {
      await store.close();
    }
  });

  it("lists failures still in the log with those moved out, newest first", async () => {
    await stateWithFailedFile(5, [failed("moved-1", 1), failed("moved-3", 3)]);
    const store = await openLowdbState(dir, { clock });
    try {
      await store.outbox.enqueue([makeDelivery("live-2", "live@example.org", iso(-5))]);
      clock.set(new Date(iso(2)));
      const claimed = await store.outbox.claimDue("w", 60_000, 10, clock.now());
      expect(ids(claimed)).toEqual(["live-2"]);
      await store.outbox.ack([{ id: "live-2", status: "failed", error: "smtp: 550 live", attempts: 1 }]);
      await store.outbox.releaseClaims("w");
      expect(ids(await store.outbox.recentFailures(10))).toEqual(["moved-3", "live-2", "moved-1"]);
      expect(ids(await store.outbox.recentFailures(1))).toEqual(["moved-3"]);
    } finally {
      clock.set(new Date(NOW));
      await store.close();
    }
  });

  it("puts failures copied in the source's order (by id, moved out in several compactions) in finishing order", async () => {
    // Ids in one order, finishing times in the reverse: the copy loads them by id.
    const copied = Array.from({ length: 3_000 }, (_, i) => failed(`c-${String(i).padStart(4, "0")}`, 3_000 - i));
    async function* records(): AsyncIterable<StateRecord> {
      for (const delivery of copied) yield { type: "delivery", delivery };
    }
    const store = await openLowdbState(dir, { clock });
    try {
      await store.importRecords(records());
      expect(ids(await store.outbox.recentFailures(3))).toEqual(["c-0000", "c-0001", "c-0002"]);
    } finally {
      await store.close();
    }
    const lines = (await readFile(join(dir, FAILED), "utf8")).split("\n").filter(Boolean).map((l) => (JSON.parse(l) as Delivery).finishedAt!);
    expect(lines).toHaveLength(3_000);
    expect(lines).toEqual([...lines].sort());
    const again = await openLowdbState(dir, { clock });
    expect(ids(await again.outbox.recentFailures(2))).toEqual(["c-0000", "c-0001"]);
    expect((await again.outbox.stats(clock.now())).failed).toBe(3_000);
    await again.close();
  });
});
