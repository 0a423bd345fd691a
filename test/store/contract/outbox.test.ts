import { afterEach, expect, it } from "vitest";
import { fixedClock } from "../../../src/core/clock.js";
import type { TestState } from "../../helpers/state-engines.js";
import { describeEngines } from "../../helpers/state-engines.js";
import { at, cleanupRetrying, iso, makeDelivery, makeTopic } from "./fixtures.js";

const ids = (ds: readonly { id: string }[]) => ds.map((d) => d.id);
const LEASE = 5 * 60_000;

describeEngines("state contract: outbox", (engine) => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

  it("dedupes deliveries on id forever, in commit and enqueue", async () => {
    s = await engine.fresh();
    const d1 = makeDelivery("d1", "ann@example.org", iso(0));
    const d2 = makeDelivery("d2", "bob@example.org", iso(0));
    expect((await s.store.commit({ deliveries: [d1, d2] })).enqueued).toBe(2);
    expect((await s.store.commit({ deliveries: [d1] })).enqueued).toBe(0);
    expect(await s.store.outbox.enqueue([d1, d2, makeDelivery("d3", "bob@example.org", iso(0))])).toBe(1);

    const claimed = await s.store.outbox.claimDue("w1", LEASE, 10, at(1));
    await s.store.outbox.ack(claimed.map((d) => ({ id: d.id, status: "sent" as const, sentAt: iso(1) })));
    expect(await s.store.outbox.enqueue([d1, d2])).toBe(0);
    expect((await s.store.commit({ deliveries: [{ ...d1, status: "pending" }] })).enqueued).toBe(0);
    expect((await s.store.outbox.get("d1"))?.status).toBe("sent");
    expect(await s.store.outbox.pending()).toEqual([]);
  });

  it("claims all due deliveries of up to `limit` addresses, oldest due first, and not the ones not due", async () => {
    s = await engine.fresh();
    await s.store.outbox.enqueue([
      makeDelivery("a1", "ann@example.org", iso(-30)),
      makeDelivery("a2", "ann@example.org", iso(-5)),
      makeDelivery("a3", "ann@example.org", iso(60)),
      makeDelivery("b1", "bob@example.org", iso(-20)),
      makeDelivery("c1", "cat@example.org", iso(-10)),
      makeDelivery("c2", "cat@example.org", iso(-25)),
      makeDelivery("z1", "zed@example.org", iso(30)),
    ]);
    const first = await s.store.outbox.claimDue("w1", LEASE, 2, at(0));
    // ann's oldest is -30, cat's -25, bob's -20: ann and cat, each whole.
    expect(ids(first)).toEqual(["a1", "c2", "c1", "a2"]);
    expect(first.every((d) => d.status === "pending")).toBe(true);
    expect(first.find((d) => d.id === "a1")).toEqual(makeDelivery("a1", "ann@example.org", iso(-30)));

    // Claimed ones are not claimed again while the lease runs.
    expect(ids(await s.store.outbox.claimDue("w2", LEASE, 10, at(1)))).toEqual(["b1"]);
    expect(await s.store.outbox.claimDue("w2", LEASE, 10, at(2))).toEqual([]);
    // The lease ends: unacknowledged claims come back, with the not-yet-due a3 still left out.
    const back = await s.store.outbox.claimDue("w3", LEASE, 10, at(6));
    expect(ids(back).sort()).toEqual(["a1", "a2", "b1", "c1", "c2"]);
    await s.store.outbox.ack(back.map((d) => ({ id: d.id, status: "sent" as const, sentAt: iso(6) })));
    // Later, a3 and z1 are due; the acknowledged ones never come back.
    expect(ids(await s.store.outbox.claimDue("w4", LEASE, 10, at(61))).sort()).toEqual(["a3", "z1"]);
  });

  it("keeps claim order right as the queue changes between claims: new, acknowledged and retried deliveries", async () => {
    s = await engine.fresh();
    await s.store.outbox.enqueue([
      makeDelivery("a1", "ann@example.org", iso(-40)),
      makeDelivery("b1", "bob@example.org", iso(-30)),
      makeDelivery("c1", "cat@example.org", iso(-20)),
      makeDelivery("d1", "dan@example.org", iso(-10)),
    ]);
    const first = await s.store.outbox.claimDue("w1", LEASE, 1, at(0));
    expect(ids(first)).toEqual(["a1"]);
    await s.store.outbox.ack([{ id: "a1", status: "sent", sentAt: iso(0) }]);
    // A new delivery due before the rest goes first; an address's later delivery comes with it.
    await s.store.outbox.enqueue([makeDelivery("e1", "eve@example.org", iso(-50)), makeDelivery("b2", "bob@example.org", iso(-5))]);
    expect(ids(await s.store.outbox.claimDue("w1", LEASE, 1, at(0)))).toEqual(["e1"]);
    const bob = await s.store.outbox.claimDue("w1", LEASE, 1, at(0));
    expect(ids(bob)).toEqual(["b1", "b2"]);
    // A retry moves behind what is due before it, and is not claimed before its new time.
    await s.store.outbox.ack([{ id: "b1", status: "retry", dueAt: iso(30), error: "smtp: 451", attempts: 1 }, { id: "b2", status: "sent", sentAt: iso(0) }]);
    await s.store.outbox.ack([{ id: "e1", status: "sent", sentAt: iso(0) }]);
    expect(ids(await s.store.outbox.claimDue("w2", LEASE, 10, at(0)))).toEqual(["c1", "d1"]);
    await s.store.outbox.ack([{ id: "c1", status: "sent", sentAt: iso(0) }, { id: "d1", status: "sent", sentAt: iso(0) }]);
    expect(await s.store.outbox.claimDue("w2", LEASE, 10, at(29))).toEqual([]);
    expect(ids(await s.store.outbox.claimDue("w2", LEASE, 10, at(30)))).toEqual(["b1"]);
  });

  it("acknowledges sent, failed and retry, and a retry is due again later", async () => {
    const clock = fixedClock("2026-11-29T10:00:00Z");
    s = await engine.fresh({ clock });
    await s.store.outbox.enqueue([
      makeDelivery("s1", "ann@example.org", iso(-3)),
      makeDelivery("f1", "bob@example.org", iso(-2)),
      makeDelivery("r1", "cat@example.org", iso(-1)),
    ]);
    const claimed = await s.store.outbox.claimDue("w1", LEASE, 10, at(0));
    expect(ids(claimed)).toEqual(["s1", "f1", "r1"]);
    await s.store.outbox.assignBatch(["s1"], "batch-1", "<batch-1@pressroom.invalid>");
    expect(await s.store.outbox.get("s1")).toMatchObject({ batchId: "batch-1", messageId: "<batch-1@pressroom.invalid>", status: "pending" });

    await s.store.outbox.ack([
      { id: "s1", status: "sent", sentAt: iso(1) },
      { id: "f1", status: "failed", error: "smtp: 550 mailbox unavailable", attempts: 1 },
      { id: "r1", status: "retry", dueAt: iso(15), error: "smtp: 451 try later", attempts: 1 },
    ]);
    expect(await s.store.outbox.get("s1")).toMatchObject({ status: "sent", sentAt: iso(1), batchId: "batch-1", messageId: "<batch-1@pressroom.invalid>" });
    expect(await s.store.outbox.get("f1")).toMatchObject({ status: "failed", lastError: "smtp: 550 mailbox unavailable", attempts: 1 });
    expect(await s.store.outbox.get("r1")).toMatchObject({ status: "pending", dueAt: iso(15), lastError: "smtp: 451 try later", attempts: 1 });
    expect(await s.store.outbox.get("nope")).toBeUndefined();

    // The retry is not due before its time, even though its claim ended.
    expect(await s.store.outbox.claimDue("w2", LEASE, 10, at(10))).toEqual([]);
    const retried = await s.store.outbox.claimDue("w2", LEASE, 10, at(15));
    expect(ids(retried)).toEqual(["r1"]);
    expect(retried[0]).toMatchObject({ attempts: 1, dueAt: iso(15), lastError: "smtp: 451 try later" });

    expect(await s.store.outbox.stats(at(15))).toEqual({ pending: 1, due: 1, oldestPendingAt: iso(-1), sent: 1, failed: 1, cancelled: 0 });
    expect(await s.store.outbox.stats(at(14))).toMatchObject({ pending: 1, due: 0 });

    clock.advance(60_000);
    await s.store.outbox.ack([{ id: "r1", status: "failed", error: "smtp: 550 gone", attempts: 2 }]);
    expect(ids(await s.store.outbox.recentFailures(10))).toEqual(["r1", "f1"]);
    expect(ids(await s.store.outbox.recentFailures(1))).toEqual(["r1"]);
    expect(await s.store.outbox.stats(at(20))).toEqual({ pending: 0, due: 0, sent: 1, failed: 2, cancelled: 0 });
  });

  it("releaseClaims gives an owner's claims back at once", async () => {
    s = await engine.fresh();
    await s.store.outbox.enqueue([makeDelivery("a1", "ann@example.org", iso(-1)), makeDelivery("b1", "bob@example.org", iso(-1))]);
    expect(ids(await s.store.outbox.claimDue("w1", LEASE, 1, at(0)))).toEqual(["a1"]);
    expect(ids(await s.store.outbox.claimDue("w2", LEASE, 1, at(0)))).toEqual(["b1"]);
    await s.store.outbox.releaseClaims("w1");
    expect(ids(await s.store.outbox.claimDue("w3", LEASE, 10, at(0)))).toEqual(["a1"]);
  });

  it("lists pending deliveries oldest due first, limited", async () => {
    s = await engine.fresh();
    await s.store.commit({ deliveries: [makeDelivery("x3", "a@example.org", iso(3)), makeDelivery("x1", "b@example.org", iso(1)), makeDelivery("x2", "c@example.org", iso(2))] });
    expect(ids(await s.store.outbox.pending())).toEqual(["x1", "x2", "x3"]);
    expect(ids(await s.store.outbox.pending(2))).toEqual(["x1", "x2"]);
    expect(await s.store.outbox.stats(at(2))).toEqual({ pending: 3, due: 2, oldestPendingAt: iso(1), sent: 0, failed: 0, cancelled: 0 });
    const again = await s.open();
    expect(ids(await again.outbox.pending())).toEqual(["x1", "x2", "x3"]);
  });

  it("queues many deliveries in one commit", async () => {
    s = await engine.fresh();
    const many = Array.from({ length: 5_000 }, (_, i) => makeDelivery(`m${i}`, `user${i % 700}@example.org`, iso(-(i % 50))));
    expect((await s.store.commit({ deliveries: many })).enqueued).toBe(5_000);
    expect((await s.store.commit({ deliveries: many.slice(0, 100) })).enqueued).toBe(0);
    expect((await s.store.outbox.stats(at(0))).pending).toBe(5_000);
    const claimed = await s.store.outbox.claimDue("w", LEASE, 10, at(0));
    expect(new Set(claimed.map((d) => d.email)).size).toBe(10);
    // Every claimed address's due deliveries came whole.
    for (const email of new Set(claimed.map((d) => d.email))) {
      expect(claimed.filter((d) => d.email === email)).toHaveLength(many.filter((d) => d.email === email).length);
    }
  });

  // A late ack (an unsubscribe cancelled the delivery, or another sender took it once the lease ran out) changes nothing.
  it("a retry ack does not bring back a delivery that an unsubscribe cancelled during the send", async () => {
    s = await engine.fresh();
    const email = "ann@example.org";
    await s.store.subscriptions.addTopic(email, makeTopic("t-asylum", "asylum"), "web");
    await s.store.outbox.enqueue([makeDelivery("d1", email, iso(-1), ["t-asylum"])]);
    // A sender claims d1 and starts sending it.
    const claimed = await s.store.outbox.claimDue("w1", LEASE, 10, at(0));
    expect(claimed.map((d) => d.id)).toEqual(["d1"]);
    // Meanwhile the subscriber unsubscribes: the queued alert is cancelled in the same unit.
    expect((await s.store.subscriptions.removeTopics(email, "t-asylum")).cancelled).toBe(1);
    expect((await s.store.outbox.get("d1"))?.status).toBe("cancelled");
    // The send then fails transiently (4xx greylisting): the sender acknowledges a retry.
    await s.store.outbox.ack([{ id: "d1", status: "retry", dueAt: iso(1), error: "smtp: 451 try later", attempts: 1 }]);
    // The unsubscribe must stick: no alert for the removed topic may go out afterwards.
    expect((await s.store.outbox.get("d1"))?.status).toBe("cancelled");
    expect((await s.store.outbox.claimDue("w2", LEASE, 10, at(5))).map((d) => d.id)).toEqual([]);
  });

  it("a late retry ack from a sender whose lease ran out does not undo another sender's sent", async () => {
    s = await engine.fresh();
    await s.store.outbox.enqueue([makeDelivery("d1", "ann@example.org", iso(-1))]);
    // Sender 1 claims d1 for one minute and its send hangs (a slow server) past the lease.
    expect((await s.store.outbox.claimDue("w1", 60_000, 10, at(0))).map((d) => d.id)).toEqual(["d1"]);
    // Sender 2 takes d1 once the lease ended, sends it and records it as sent.
    expect((await s.store.outbox.claimDue("w2", LEASE, 10, at(2))).map((d) => d.id)).toEqual(["d1"]);
    await s.store.outbox.ack([{ id: "d1", status: "sent", sentAt: iso(2) }]);
    // Sender 1's send then times out (transient): it acknowledges a retry.
    await s.store.outbox.ack([{ id: "d1", status: "retry", dueAt: iso(3), error: "smtp: ETIMEDOUT", attempts: 1 }]);
    // d1 went out: it must stay sent, never be claimed (and sent) again.
    expect((await s.store.outbox.get("d1"))?.status).toBe("sent");
    expect((await s.store.outbox.claimDue("w3", LEASE, 10, at(10))).map((d) => d.id)).toEqual([]);
  });
});
