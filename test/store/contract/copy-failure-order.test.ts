import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { afterEach, expect, it } from "vitest";
import { fixedClock } from "../../../src/core/clock.js";
import type { StateStore } from "../../../src/core/ports.js";
import type { TestState } from "../../helpers/state-engines.js";
import { describeEngines, stateEngines } from "../../helpers/state-engines.js";
import { at, cleanupRetrying, iso, makeDelivery, makeTopic, NOW } from "./fixtures.js";

const ids = (ds: readonly { id: string }[]) => ds.map((d) => d.id);
const LEASE = 5 * 60_000;

/**
 * `status` and the metrics route list failed deliveries newest failure first. A copied delivery
 * carried no time it failed (PostgreSQL took `sentAt` for it), so after copy-state, either way,
 * failures came in creation (id) order. Each delivery now carries `finishedAt`, set by ack and
 * cancel, copied along and used for the order.
 */
describeEngines("state contract: failures newest first, also after copy-state", (engine) => {
  const open: TestState[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await cleanupRetrying(s.cleanup);
  });

  const other = stateEngines().find((e) => e.name !== engine.name);

  /** Deliveries created f1, f2, f3 (and ids in that order) that fail f3, then f1, then f2, a minute apart; one more is cancelled. */
  async function failInAnotherOrder(store: StateStore, clock: ReturnType<typeof fixedClock>): Promise<void> {
    await store.subscriptions.addTopic("dan@example.org", makeTopic("t-asylum", "asylum"), "web");
    await store.outbox.enqueue([
      makeDelivery("f1", "ann@example.org", iso(-3)),
      makeDelivery("f2", "bob@example.org", iso(-2)),
      makeDelivery("f3", "cat@example.org", iso(-1)),
      makeDelivery("c1", "dan@example.org", iso(30)),
    ]);
    for (const [minute, id] of [[1, "f3"], [2, "f1"], [3, "f2"]] as const) {
      clock.set(at(minute));
      const claimed = await store.outbox.claimDue(`w-${id}`, LEASE, 10, at(minute));
      expect(ids(claimed)).toContain(id);
      await store.outbox.ack([{ id, status: "failed", error: `smtp: 550 ${id}`, attempts: 1 }]);
      await store.outbox.releaseClaims(`w-${id}`);
    }
    clock.set(at(4));
    await store.subscriptions.removeTopics("dan@example.org");
  }

  async function expectOrdered(store: StateStore): Promise<void> {
    const failures = await store.outbox.recentFailures(10);
    expect(ids(failures)).toEqual(["f2", "f1", "f3"]);
    expect(failures.map((d) => d.finishedAt)).toEqual([iso(3), iso(2), iso(1)]);
    expect(ids(await store.outbox.recentFailures(2))).toEqual(["f2", "f1"]);
    expect(await store.outbox.get("c1")).toMatchObject({ status: "cancelled", finishedAt: iso(4) });
  }

  (other ? it : it.skip)(`lists failures newest first in ${engine.name}, then after a copy to ${other?.name} and back`, async () => {
    const clock = fixedClock(NOW);
    const a = await engine.fresh({ clock });
    open.push(a);
    await failInAnotherOrder(a.store, clock);
    await expectOrdered(a.store);

    const b = await other!.fresh({ clock });
    open.push(b);
    await b.store.importRecords(a.store.exportRecords());
    await expectOrdered(b.store);

    const c = await engine.fresh({ clock });
    open.push(c);
    await c.store.importRecords(b.store.exportRecords());
    await expectOrdered(c.store);
    await expectOrdered(await c.open());
  });

  /** Takes `finishedAt` out of what the state holds, as a state written before it was kept. */
  async function forgetFinishedAt(s: TestState): Promise<void> {
    if (s.target.url) {
      const client = new pg.Client({ connectionString: s.target.url });
      await client.connect();
      await client.query("update deliveries set data = data - 'finishedAt'");
      await client.end();
    } else {
      const log = join(s.target.dir, "queue/log.jsonl");
      const lines = (await readFile(log, "utf8")).split("\n").filter(Boolean).map((l) => JSON.parse(l) as { at?: string });
      await writeFile(log, lines.map(({ at: _, ...e }) => `${JSON.stringify(e)}\n`).join(""));
    }
  }

  (other ? it : it.skip)(`reads ${engine.name} failures recorded without finishedAt as before, and copies them in that order`, async () => {
    const clock = fixedClock(NOW);
    const a = await engine.fresh({ clock });
    open.push(a);
    await failInAnotherOrder(a.store, clock);
    await forgetFinishedAt(a);
    const old = await a.open();
    expect(ids(await old.outbox.recentFailures(10))).toEqual(["f2", "f1", "f3"]);
    expect((await old.outbox.get("f1"))?.status).toBe("failed");

    const b = await other!.fresh({ clock });
    open.push(b);
    await b.store.importRecords(old.exportRecords());
    // PostgreSQL kept the time in its finished_at column and exports it; lowdb has only the order it recorded.
    expect(ids(await b.store.outbox.recentFailures(10))).toEqual(engine.name === "postgres" ? ["f2", "f1", "f3"] : ["f3", "f2", "f1"]);
  });
});
