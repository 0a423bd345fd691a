import type { Delivery } from "../core/subscription.js";

/** Deliveries that go out as one message; `batchId` is set when the batch was already recorded. */
export interface DeliveryGroup {
  readonly batchId?: string;
  readonly deliveries: readonly Delivery[];
}

/**
 * Groups due deliveries into messages. A recorded batch is re-sent as it was (same members, same
 * Message-ID) as soon as one of its members is due; otherwise immediate deliveries go alone and
 * digest deliveries go together per (email, frequency).
 */
export function groupDeliveries(pending: readonly Delivery[], now: Date): DeliveryGroup[] {
  const isDue = (d: Delivery) => Date.parse(d.dueAt) <= now.getTime();
  const batches = new Map<string, Delivery[]>();
  const fresh = new Map<string, Delivery[]>();
  for (const d of pending) {
    if (d.status !== "pending") continue;
    if (d.batchId) {
      batches.set(d.batchId, [...(batches.get(d.batchId) ?? []), d]);
    } else if (isDue(d)) {
      const key = d.frequency === "immediate" ? `immediate\n${d.id}` : `${d.frequency}\n${d.email}`;
      fresh.set(key, [...(fresh.get(key) ?? []), d]);
    }
  }
  const groups: DeliveryGroup[] = [];
  for (const [batchId, deliveries] of batches) {
    if (deliveries.some(isDue)) groups.push({ batchId, deliveries });
  }
  for (const deliveries of fresh.values()) groups.push({ deliveries });
  return groups;
}
