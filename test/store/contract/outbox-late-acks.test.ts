import { afterEach, expect, it } from "vitest";
import type { TestState } from "../../helpers/state-engines.js";
import { describeEngines } from "../../helpers/state-engines.js";
import { at, cleanupRetrying, iso, makeDelivery, makeTopic } from "./fixtures.js";

const LEASE = 5 * 60_000;

describeEngines("outbox: an ack arriving for a delivery cancelled while it was claimed", (engine) => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

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
