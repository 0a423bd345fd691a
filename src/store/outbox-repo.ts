import type { OutboxRepo } from "../core/ports.js";
import type { Delivery } from "../core/subscription.js";
import type { DocCache } from "./docs.js";

interface OutboxDoc {
  deliveries: Record<string, Delivery>;
}

const FILE = "outbox.json";
/** Sent deliveries are kept this long (for status and metrics), then pruned. */
const KEEP_SENT_MS = 90 * 86_400_000;

/** The durable outbox: every change is written (fsync + rename) before the promise resolves. */
export class LowOutboxRepo implements OutboxRepo {
  constructor(private readonly docs: DocCache, private readonly now: () => Date) {}

  private doc() {
    return this.docs.get<OutboxDoc>(FILE, () => ({ deliveries: {} }));
  }

  async enqueue(deliveries: readonly Delivery[]): Promise<number> {
    const doc = await this.doc();
    let added = 0;
    for (const d of deliveries) {
      if (doc.data.deliveries[d.id]) continue;
      doc.data.deliveries[d.id] = d;
      added++;
    }
    if (added) await this.docs.save(FILE, doc);
    return added;
  }

  async pending(): Promise<Delivery[]> {
    return Object.values((await this.doc()).data.deliveries).filter((d) => d.status === "pending");
  }

  async update(patches: readonly { id: string; patch: Partial<Omit<Delivery, "id">> }[]): Promise<void> {
    const doc = await this.doc();
    for (const { id, patch } of patches) {
      const current = doc.data.deliveries[id];
      if (current) doc.data.deliveries[id] = { ...current, ...patch };
    }
    const cutoff = this.now().getTime() - KEEP_SENT_MS;
    for (const [id, d] of Object.entries(doc.data.deliveries)) {
      if (d.status === "sent" && d.sentAt && Date.parse(d.sentAt) < cutoff) delete doc.data.deliveries[id];
    }
    await this.docs.save(FILE, doc);
  }

  async list(): Promise<Delivery[]> {
    return Object.values((await this.doc()).data.deliveries).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}
