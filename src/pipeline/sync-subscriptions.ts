import type { Config } from "../config/schema.js";
import type { SubscriptionRepo } from "../core/ports.js";
import type { Subscriber, Topic } from "../core/subscription.js";
import { topicId, validateEmail } from "../mail/index.js";
import { compileQuery } from "../match/index.js";

/**
 * Seeds subscribers from config. Each (address, topic) is seeded once: later runs never add it
 * back, so an unsubscribe (CLI, web page, one-click) sticks; removing it from config removes nothing.
 */
export async function syncConfigSubscriptions(repo: SubscriptionRepo, config: Config, now: Date): Promise<void> {
  for (const seed of config.subscriptions) {
    const email = validateEmail(seed.email);
    const fresh: Topic[] = [];
    for (const t of seed.topics) {
      compileQuery(t.query);
      const id = topicId(t.query);
      if (fresh.some((x) => x.id === id) || (await repo.wasSeeded(email, id))) continue;
      fresh.push({ id, query: t.query, frequency: t.frequency, revisions: t.revisions, createdAt: now.toISOString() });
    }
    if (fresh.length === 0) continue;
    const current = await repo.get(email);
    const topics = [...(current?.topics ?? []).filter((t) => !fresh.some((f) => f.id === t.id)), ...fresh];
    const subscriber: Subscriber = { email, topics, createdAt: current?.createdAt ?? now.toISOString(), origin: current?.origin ?? "config" };
    await repo.put(subscriber);
    await repo.markSeeded(email, fresh.map((t) => t.id));
  }
}
