import type { Delivery, PendingSubscription, Subscriber } from "./subscription.js";

/** Durable outbox. Implemented by the store; used by mail and pipeline. Every method persists before resolving. */
export interface OutboxRepo {
  /** Adds deliveries whose id is not already present (sent or not). Returns how many were added. */
  enqueue(deliveries: readonly Delivery[]): Promise<number>;
  /** Deliveries still pending (due or not). */
  pending(): Promise<Delivery[]>;
  /** Applies patches in one durable write. */
  update(patches: readonly { id: string; patch: Partial<Omit<Delivery, "id">> }[]): Promise<void>;
  /** All deliveries kept (pending, sent, failed), newest first. */
  list(): Promise<Delivery[]>;
}

export interface SubscriptionRepo {
  list(): Promise<Subscriber[]>;
  get(email: string): Promise<Subscriber | undefined>;
  put(subscriber: Subscriber): Promise<void>;
  /** Removes the subscriber entirely. Returns false if unknown. */
  remove(email: string): Promise<boolean>;
  /** Whether config already seeded this (email, topic) once: an unsubscribe must then stick. */
  wasSeeded(email: string, topicId: string): Promise<boolean>;
  markSeeded(email: string, topicIds: readonly string[]): Promise<void>;
  putPending(pending: PendingSubscription): Promise<void>;
  takePending(token: string): Promise<PendingSubscription | undefined>;
}
