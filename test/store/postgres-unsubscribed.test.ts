import { afterEach, describe, expect, it } from "vitest";
import type { TestState } from "../helpers/state-engines.js";
import { stateEngines } from "../helpers/state-engines.js";
import { at, cleanupRetrying, iso, makeDelivery, makeTopic } from "./contract/fixtures.js";

const postgres = stateEngines().find((e) => e.name === "postgres");
const LEASE = 5 * 60_000;

/*
 * On PostgreSQL a run on one instance matches its subscribers once, and an unsubscribe on another
 * instance may land before the run queues its deliveries: there is nothing pending yet for the
 * unsubscribe to cancel. A delivery all of whose topics the address removed is cancelled when
 * claimed. (lowdb applies web requests, queued while a run holds the state, before it claims.)
 */
(postgres ? describe : describe.skip)("PostgreSQL: a delivery queued after its topic was unsubscribed", () => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

  it("is cancelled when claimed, not sent; one for a topic still held, or held again, is sent", async () => {
    s = await postgres!.fresh();
    const email = "ann@example.org";
    await s.store.subscriptions.addTopic(email, makeTopic("t-dover", "dover"), "web");
    await s.store.subscriptions.addTopic(email, makeTopic("t-asylum", "asylum"), "web");
    // Another instance's run matched ann's topics before this unsubscribe...
    await s.store.subscriptions.removeTopics(email, "t-dover");
    // ...and queues after it: one for the removed topic, one for both, one for the one she keeps.
    await s.store.outbox.enqueue([
      makeDelivery("d-dover", email, iso(-3), ["t-dover"]),
      makeDelivery("d-both", email, iso(-2), ["t-dover", "t-asylum"]),
      makeDelivery("d-asylum", email, iso(-1), ["t-asylum"]),
    ]);
    const claimed = await s.store.outbox.claimDue("w1", LEASE, 10, at(0));
    expect(claimed.map((d) => d.id).sort()).toEqual(["d-asylum", "d-both"]);
    expect((await s.store.outbox.get("d-dover"))?.status).toBe("cancelled");

    // Subscribed again: a new alert for the topic goes out.
    await s.store.subscriptions.addTopic(email, makeTopic("t-dover", "dover"), "web");
    await s.store.outbox.enqueue([makeDelivery("d-dover-2", email, iso(0), ["t-dover"])]);
    expect((await s.store.outbox.claimDue("w2", LEASE, 10, at(1))).map((d) => d.id)).toEqual(["d-dover-2"]);
  });

  it("cancels those of an address that removed every topic", async () => {
    s = await postgres!.fresh();
    const email = "bob@example.org";
    await s.store.subscriptions.addTopic(email, makeTopic("t-fraud", "fraud"), "web");
    await s.store.subscriptions.removeTopics(email);
    await s.store.outbox.enqueue([makeDelivery("d-fraud", email, iso(-1), ["t-fraud"])]);
    expect(await s.store.outbox.claimDue("w1", LEASE, 10, at(0))).toEqual([]);
    expect((await s.store.outbox.get("d-fraud"))?.status).toBe("cancelled");
  });
});
