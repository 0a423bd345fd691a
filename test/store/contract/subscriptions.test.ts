import { afterEach, expect, it } from "vitest";
import type { TestState } from "../../helpers/state-engines.js";
import { describeEngines } from "../../helpers/state-engines.js";
import { createSubscriberMatcher, loadSubscriberMatcher } from "../../../src/pipeline/plan-alerts.js";
import type { Subscriber } from "../../../src/core/subscription.js";
import { at, cleanupRetrying, iso, makeDelivery, makeTopic, NOW } from "./fixtures.js";
import { DEFAULT_DIGEST_SCHEDULE } from "../../../src/config/schema.js";

const asylum = makeTopic("t-asylum", "asylum");
const knives = makeTopic("t-knives", "knife crime", "daily");
const boats = makeTopic("t-boats", "small boats", "weekly");

describeEngines("state contract: subscriptions", (engine) => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

  it("adds topics, creating the subscriber once, and replaces a topic with the same id", async () => {
    s = await engine.fresh();
    const sub = await s.store.subscriptions.addTopic("ann@example.org", asylum, "web");
    expect(sub).toMatchObject({ email: "ann@example.org", origin: "web", topics: [asylum] });
    await s.store.subscriptions.addTopic("ann@example.org", knives, "cli");
    const replaced = await s.store.subscriptions.addTopic("ann@example.org", { ...asylum, frequency: "weekly" }, "cli");
    expect(replaced.origin).toBe("web");
    expect(replaced.topics).toHaveLength(2);
    expect(replaced.topics.find((t) => t.id === "t-asylum")?.frequency).toBe("weekly");
    await s.store.subscriptions.addTopic("bob@example.org", boats, "config");

    expect((await s.store.subscriptions.list()).map((x) => x.email)).toEqual(["ann@example.org", "bob@example.org"]);
    expect(await s.store.subscriptions.count()).toBe(2);
    expect(await s.store.subscriptions.get("ann@example.org")).toEqual(replaced);
    expect(await s.store.subscriptions.get("nobody@example.org")).toBeUndefined();
    const again = await s.open();
    expect(await again.subscriptions.get("ann@example.org")).toEqual(replaced);
  });

  it("reads every subscriber in pages, and a matcher built from pages plans exactly the deliveries of the whole list", async () => {
    s = await engine.fresh();
    const topics = [asylum, knives, boats, makeTopic("t-hotels", "asylum AND hotels"), makeTopic("t-not", "boats AND NOT asylum")];
    const subscribers: Subscriber[] = Array.from({ length: 530 }, (_, i) => ({
      email: `reader${String(i).padStart(4, "0")}@example.org`,
      topics: topics.filter((_, k) => (i + k) % 3 === 0 || k === i % 5),
      createdAt: NOW,
      origin: "web" as const,
    }));
    await s.store.importRecords((async function* () {
      for (const subscriber of subscribers) yield { type: "subscriber" as const, subscriber };
    })());
    const list = await s.store.subscriptions.list();
    expect(list).toHaveLength(530);
    const paged: Subscriber[] = [];
    let pages = 0;
    for await (const page of s.store.subscriptions.pages!(100)) {
      expect(page.length).toBeGreaterThan(0);
      expect(page.length).toBeLessThanOrEqual(100);
      paged.push(...page);
      pages++;
    }
    expect(pages).toBeGreaterThanOrEqual(6);
    const byEmail = (a: Subscriber, b: Subscriber) => (a.email < b.email ? -1 : 1);
    expect([...paged].sort(byEmail)).toEqual([...list].sort(byEmail));

    const release = {
      id: "tag:pressroom.invalid,2026-11-28:home-office/hotels",
      title: "Asylum hotels to close as small boats crossings fall",
      kind: "press-release",
      department: "Home Office",
      date: "2026-11-28",
      summary: "The Home Office will close asylum hotels.",
      body: [{ type: "paragraph" as const, text: "Small boats crossings fell; asylum hotels will close." }],
      firstSeenAt: NOW, updatedAt: NOW, hash: "h1", revisions: [], provenance: [],
    };
    const plan = (m: ReturnType<typeof createSubscriberMatcher>) =>
      m.plan([{ type: "new", item: {} as never, release }], at(0)).sort((a, b) => (a.id < b.id ? -1 : 1));
    const whole = plan(createSubscriberMatcher(list, { digests: DEFAULT_DIGEST_SCHEDULE }));
    expect(whole.length).toBeGreaterThan(100);
    expect(plan(await loadSubscriberMatcher(s.store.subscriptions, { digests: DEFAULT_DIGEST_SCHEDULE }))).toEqual(whole);
  });

  it("removing a topic cancels the pending deliveries only it matched", async () => {
    s = await engine.fresh();
    await s.store.subscriptions.addTopic("ann@example.org", asylum, "web");
    await s.store.subscriptions.addTopic("ann@example.org", knives, "web");
    await s.store.subscriptions.addTopic("bob@example.org", asylum, "web");
    await s.store.outbox.enqueue([
      makeDelivery("only-asylum", "ann@example.org", iso(10), ["t-asylum"]),
      makeDelivery("both", "ann@example.org", iso(10), ["t-asylum", "t-knives"]),
      makeDelivery("only-knives", "ann@example.org", iso(10), ["t-knives"]),
      makeDelivery("bob-asylum", "bob@example.org", iso(10), ["t-asylum"]),
      makeDelivery("sent-asylum", "ann@example.org", iso(-10), ["t-asylum"]),
    ]);
    const claimed = await s.store.outbox.claimDue("w", 60_000, 10, at(0));
    expect(claimed.map((d) => d.id)).toEqual(["sent-asylum"]);
    await s.store.outbox.ack([{ id: "sent-asylum", status: "sent", sentAt: NOW }]);

    expect(await s.store.subscriptions.removeTopics("ann@example.org", "t-asylum")).toEqual({ removedTopics: 1, cancelled: 1 });
    expect(await s.store.outbox.get("only-asylum")).toMatchObject({ status: "cancelled", lastError: "unsubscribed before it was sent" });
    expect((await s.store.outbox.get("both"))?.status).toBe("pending");
    expect((await s.store.outbox.get("bob-asylum"))?.status).toBe("pending");
    expect((await s.store.outbox.get("sent-asylum"))?.status).toBe("sent");
    expect((await s.store.subscriptions.get("ann@example.org"))?.topics.map((t) => t.id)).toEqual(["t-knives"]);

    expect(await s.store.subscriptions.removeTopics("ann@example.org", "t-unknown")).toEqual({ removedTopics: 0, cancelled: 0 });
    expect(await s.store.outbox.stats(at(0))).toMatchObject({ pending: 3, cancelled: 1, sent: 1 });
    // A cancelled delivery is never queued again.
    expect(await s.store.outbox.enqueue([makeDelivery("only-asylum", "ann@example.org", iso(10))])).toBe(0);
  });

  it("removing every topic deletes the subscriber and cancels all its pending deliveries", async () => {
    s = await engine.fresh();
    await s.store.subscriptions.addTopic("ann@example.org", asylum, "web");
    await s.store.subscriptions.addTopic("ann@example.org", knives, "web");
    await s.store.commit({ deliveries: [makeDelivery("a", "ann@example.org", iso(1), ["t-asylum"]), makeDelivery("b", "ann@example.org", iso(1), ["t-knives"]), makeDelivery("c", "carl@example.org", iso(1), ["t-asylum"])] });
    expect(await s.store.subscriptions.removeTopics("ann@example.org")).toEqual({ removedTopics: 2, cancelled: 2 });
    expect(await s.store.subscriptions.get("ann@example.org")).toBeUndefined();
    expect(await s.store.subscriptions.count()).toBe(0);
    expect((await s.store.outbox.pending()).map((d) => d.id)).toEqual(["c"]);
    // Nothing left to claim for ann.
    expect((await s.store.outbox.claimDue("w", 60_000, 10, at(5))).map((d) => d.id)).toEqual(["c"]);
  });

  it("seeds each topic once per address, and an unsubscribe sticks", async () => {
    s = await engine.fresh();
    expect(await s.store.subscriptions.seed("ops@example.org", [asylum, knives])).toBe(2);
    expect(await s.store.subscriptions.get("ops@example.org")).toMatchObject({ origin: "config", topics: [asylum, knives] });
    expect(await s.store.subscriptions.seed("ops@example.org", [asylum, knives])).toBe(0);
    await s.store.subscriptions.removeTopics("ops@example.org", "t-asylum");
    expect(await s.store.subscriptions.seed("ops@example.org", [asylum, knives, boats])).toBe(1);
    expect((await s.store.subscriptions.get("ops@example.org"))?.topics.map((t) => t.id).sort()).toEqual(["t-boats", "t-knives"]);
    await s.store.subscriptions.removeTopics("ops@example.org");
    const again = await s.open();
    expect(await again.subscriptions.seed("ops@example.org", [asylum, knives, boats])).toBe(0);
    expect(await again.subscriptions.get("ops@example.org")).toBeUndefined();
  });

  it("takes and prunes pending confirmations", async () => {
    s = await engine.fresh();
    const p1 = { token: "tok-1", email: "ann@example.org", query: "asylum", frequency: "daily" as const, createdAt: "2026-11-27T10:00:00.000Z" };
    const p2 = { token: "tok-2", email: "bob@example.org", query: "knife crime", frequency: "immediate" as const, createdAt: "2026-11-29T09:00:00.000Z" };
    const p3 = { token: "tok-3", email: "cat@example.org", query: "visas", frequency: "weekly" as const, createdAt: "2026-11-28T10:00:00.000Z" };
    for (const p of [p1, p2, p3]) await s.store.subscriptions.putPending(p);
    expect(await s.store.subscriptions.countPending()).toBe(3);
    expect(await s.store.subscriptions.takePending("tok-2")).toEqual(p2);
    expect(await s.store.subscriptions.takePending("tok-2")).toBeUndefined();
    expect(await s.store.subscriptions.prunePending(new Date("2026-11-28T00:00:00Z"))).toBe(1);
    expect(await s.store.subscriptions.takePending("tok-1")).toBeUndefined();
    expect(await s.store.subscriptions.countPending()).toBe(1);
    const again = await s.open();
    expect(await again.subscriptions.takePending("tok-3")).toEqual(p3);
    expect(await again.subscriptions.countPending()).toBe(0);
  });
});
