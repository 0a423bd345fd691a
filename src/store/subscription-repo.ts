import type { SubscriptionRepo } from "../core/ports.js";
import type { PendingSubscription, Subscriber } from "../core/subscription.js";
import type { DocCache } from "./docs.js";

interface SubscriptionsDoc {
  subscribers: Record<string, Subscriber>;
  pending: Record<string, PendingSubscription>;
  /** email → topic ids config has seeded (kept after an unsubscribe, so config never re-adds them). */
  seeded: Record<string, string[]>;
}

const FILE = "subscriptions.json";

export class LowSubscriptionRepo implements SubscriptionRepo {
  constructor(private readonly docs: DocCache) {}

  private doc() {
    return this.docs.get<SubscriptionsDoc>(FILE, () => ({ subscribers: {}, pending: {}, seeded: {} }));
  }

  async list(): Promise<Subscriber[]> {
    return Object.values((await this.doc()).data.subscribers).sort((a, b) => a.email.localeCompare(b.email));
  }

  async get(email: string): Promise<Subscriber | undefined> {
    return (await this.doc()).data.subscribers[email];
  }

  async put(subscriber: Subscriber): Promise<void> {
    const doc = await this.doc();
    doc.data.subscribers[subscriber.email] = subscriber;
    await this.docs.save(FILE, doc);
  }

  async remove(email: string): Promise<boolean> {
    const doc = await this.doc();
    if (!doc.data.subscribers[email]) return false;
    delete doc.data.subscribers[email];
    await this.docs.save(FILE, doc);
    return true;
  }

  async wasSeeded(email: string, topicId: string): Promise<boolean> {
    return (await this.doc()).data.seeded[email]?.includes(topicId) ?? false;
  }

  async markSeeded(email: string, topicIds: readonly string[]): Promise<void> {
    const doc = await this.doc();
    const current = doc.data.seeded[email] ?? [];
    const next = [...new Set([...current, ...topicIds])];
    if (next.length === current.length) return;
    doc.data.seeded[email] = next;
    await this.docs.save(FILE, doc);
  }

  async putPending(pending: PendingSubscription): Promise<void> {
    const doc = await this.doc();
    doc.data.pending[pending.token] = pending;
    await this.docs.save(FILE, doc);
  }

  /** Drops pending subscriptions created before `olderThan` (or with an unreadable date); returns how many. */
  async prunePending(olderThan: Date): Promise<number> {
    const doc = await this.doc();
    let dropped = 0;
    for (const [token, p] of Object.entries(doc.data.pending)) {
      const at = Date.parse(p.createdAt);
      if (Number.isNaN(at) || at < olderThan.getTime()) {
        delete doc.data.pending[token];
        dropped++;
      }
    }
    if (dropped) await this.docs.save(FILE, doc);
    return dropped;
  }

  async takePending(token: string): Promise<PendingSubscription | undefined> {
    const doc = await this.doc();
    const found = doc.data.pending[token];
    if (!found) return undefined;
    delete doc.data.pending[token];
    await this.docs.save(FILE, doc);
    return found;
  }
}
