import type { Config } from "../config/schema.js";
import type { SubscriptionRepo } from "../core/ports.js";
import type { Subscriber, Topic } from "../core/subscription.js";
import { topicId, validateEmail } from "../mail/index.js";
import { compileQuery } from "../match/index.js";

/** Seeds subscribers from config: their topics are added (never removed: people unsubscribe themselves). */
export async function syncConfigSubscriptions(repo: SubscriptionRepo, config: Config, now: Date): Promise<void> {
  for (const seed of config.subscriptions) {
    const email = validateEmail(seed.email);
    const current = await repo.get(email);
    const topics: Topic[] = [...(current?.topics ?? [])];
    let changed = !current;
    for (const t of seed.topics) {
      compileQuery(t.query);
      const id = topicId(t.query);
      if (topics.some((x) => x.id === id)) continue;
      topics.push({ id, query: t.query, frequency: t.frequency, revisions: t.revisions, createdAt: now.toISOString() });
      changed = true;
    }
    if (!changed) continue;
    const subscriber: Subscriber = { email, topics, createdAt: current?.createdAt ?? now.toISOString(), origin: current?.origin ?? "config" };
    await repo.put(subscriber);
  }
}
