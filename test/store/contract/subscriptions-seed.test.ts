import { expect, it } from "vitest";
import { fixedClock } from "../../../src/core/clock.js";
import type { Topic } from "../../../src/core/subscription.js";
import { topicId } from "../../../src/mail/index.js";
import { syncConfigSubscriptions } from "../../../src/pipeline/sync-subscriptions.js";
import { parseConfig } from "../../../src/config/load.js";
import { describeEngines } from "../../helpers/state-engines.js";

const NOW = "2026-11-29T10:00:00Z";

describeEngines("config seeding over a topic the subscriber already chose", (engine) => {
  it("leaves the subscriber's own settings for that topic alone (seed only adds)", async () => {
    const state = await engine.fresh();
    const store = await state.open({ clock: fixedClock(NOW) });
    try {
      const mine: Topic = { id: topicId("asylum"), query: "asylum", frequency: "weekly", revisions: true, createdAt: "2026-01-01T00:00:00.000Z" };
      await store.subscriptions.addTopic("ann@example.org", mine, "web");
      const config = parseConfig({ subscriptions: [{ email: "ann@example.org", topics: [{ query: "Asylum", frequency: "immediate" }] }] });
      await syncConfigSubscriptions(store.subscriptions, config, new Date(NOW));
      const topics = (await store.subscriptions.get("ann@example.org"))?.topics ?? [];
      expect(topics).toEqual([mine]);
    } finally {
      await store.close();
      await state.cleanup();
    }
  });

  it("seed() reports only the topics it added", async () => {
    const state = await engine.fresh();
    const store = await state.open({ clock: fixedClock(NOW) });
    try {
      const mine: Topic = { id: topicId("asylum"), query: "asylum", frequency: "weekly", revisions: false, createdAt: NOW };
      await store.subscriptions.addTopic("ann@example.org", mine, "web");
      expect(await store.subscriptions.seed("ann@example.org", [{ ...mine, frequency: "immediate" }])).toBe(0);
    } finally {
      await store.close();
      await state.cleanup();
    }
  });
});
