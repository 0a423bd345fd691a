import type { OutboxRepo, SubscriptionRepo } from "../core/ports.js";

/**
 * Cancels pending deliveries whose subscriber has since unsubscribed from every topic that matched
 * (queued digests, retries): an unsubscribe stops mail at once, not after the queue drains.
 */
export async function cancelUnsubscribed(outbox: OutboxRepo, subscriptions: SubscriptionRepo): Promise<number> {
  const pending = await outbox.pending();
  if (pending.length === 0) return 0;
  const topicsOf = new Map<string, Set<string>>();
  for (const s of await subscriptions.list()) topicsOf.set(s.email, new Set(s.topics.map((t) => t.id)));
  const cancelled = pending.filter((d) => {
    const live = topicsOf.get(d.email);
    return !live || !d.topics.some((t) => live.has(t.id));
  });
  if (cancelled.length > 0) {
    await outbox.update(cancelled.map((d) => ({ id: d.id, patch: { status: "cancelled" as const, lastError: "unsubscribed before it was sent" } })));
  }
  return cancelled.length;
}
