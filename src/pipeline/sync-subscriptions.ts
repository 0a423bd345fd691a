import type { Config } from "../config/schema.js";
import type { SubscriptionStore } from "../core/ports.js";
import type { Topic } from "../core/subscription.js";
import { topicId, validateEmail } from "../mail/index.js";
import { compileQuery } from "../match/index.js";

/**
 * Seeds subscribers from config. Each (address, topic) is seeded once: later runs never add it
 * back, so an unsubscribe (CLI, web page, one-click) sticks; removing it from config removes nothing.
 */
export async function syncConfigSubscriptions(subscriptions: SubscriptionStore, config: Config, now: Date): Promise<void> {
  for (const seed of config.subscriptions) {
    const email = validateEmail(seed.email);
    const topics = new Map<string, Topic>();
    for (const t of seed.topics) {
      compileQuery(t.query);
      const id = topicId(t.query);
      if (!topics.has(id)) topics.set(id, { id, query: t.query, frequency: t.frequency, revisions: t.revisions, createdAt: now.toISOString() });
    }
    if (topics.size > 0) await subscriptions.seed(email, [...topics.values()]);
  }
}
