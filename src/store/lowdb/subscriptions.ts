import { rename } from "node:fs/promises";
import type { SubscriptionRequest, SubscriptionStore, UnsubscribeResult } from "../../core/ports.js";
import type { PendingSubscription, Subscriber, Topic } from "../../core/subscription.js";
import type { Ctx } from "./context.js";
import { corrupt } from "./disk.js";
import { PENDING, REQUESTS, REQUESTS_APPLYING, subscriberShardFile } from "./layout.js";
import { eventText, type LowOutbox } from "./outbox.js";

interface SubscriberShard {
  subscribers: Record<string, Subscriber>;
  /** email → topic ids config has seeded (kept after an unsubscribe, so config never re-adds them). */
  seeded: Record<string, string[]>;
}
interface PendingDoc {
  pending: Record<string, PendingSubscription>;
}

export const SHARDS = 256;
const shardNames = (): string[] => Array.from({ length: SHARDS }, (_, i) => `subscriptions/${i.toString(16).padStart(2, "0")}.json`);

/**
 * Subscribers in 256 shards by a hash of the address (`subscriptions/xx.json`), so one subscribe
 * rewrites one small file; pending confirmations (few, pruned) in `pending.json`.
 */
export class LowSubscriptions implements SubscriptionStore {
  private total: number | undefined;
  /** Shards asked of the held documents (`docs`) since they were last dropped. */
  private held = new Set<string>();

  constructor(private readonly ctx: Ctx, private readonly outbox: LowOutbox) {}

  forget(): void {
    this.total = undefined;
    this.held = new Set();
  }

  private shard(email: string) {
    return this.shardAt(subscriberShardFile(email));
  }
  private shardAt(rel: string) {
    this.held.add(rel);
    return this.ctx.docs.get<SubscriberShard>(rel, () => ({ subscribers: {}, seeded: {} }));
  }

  /**
   * A shard to read through once: the held document when there is one, else the file, parsed and
   * not kept (a run reads every subscriber once per run; holding all 256 shards cost 60 MB at
   * 100,000). The file is what the held document would be: this process writes every change through.
   */
  private async shardOnce(rel: string): Promise<SubscriberShard> {
    if (this.held.has(rel)) return this.shardAt(rel);
    const data = await this.ctx.disk.readJson<Partial<SubscriberShard>>(rel);
    const subscribers = data?.subscribers ?? {};
    if (typeof subscribers !== "object" || subscribers === null || Array.isArray(subscribers)) {
      throw corrupt(this.ctx.disk.path(rel), `"subscribers" should be object, found ${Array.isArray(subscribers) ? "array" : typeof subscribers}`);
    }
    return { subscribers, seeded: data?.seeded ?? {} };
  }
  private pendingDoc() {
    return this.ctx.docs.get<PendingDoc>(PENDING, () => ({ pending: {} }));
  }

  /** Every shard that exists on disk. */
  async shards(): Promise<SubscriberShard[]> {
    const present = new Set(await this.ctx.disk.list("subscriptions"));
    const out: SubscriberShard[] = [];
    for (const rel of shardNames()) if (present.has(rel.slice("subscriptions/".length))) out.push(await this.shardAt(rel));
    return out;
  }

  async list(): Promise<Subscriber[]> {
    await this.ctx.before();
    const out: Subscriber[] = [];
    for (const shard of await this.shards()) out.push(...Object.values(shard.subscribers));
    return out.sort((a, b) => a.email.localeCompare(b.email));
  }

  /** Shard by shard (each a few hundred addresses at 100,000), in pages of at most `size`; shards are not kept. */
  async *pages(size: number): AsyncIterable<Subscriber[]> {
    await this.ctx.before();
    const present = new Set(await this.ctx.disk.list("subscriptions"));
    let page: Subscriber[] = [];
    for (const rel of shardNames()) {
      if (!present.has(rel.slice("subscriptions/".length))) continue;
      for (const subscriber of Object.values((await this.shardOnce(rel)).subscribers)) {
        page.push(subscriber);
        if (page.length >= Math.max(1, size)) {
          yield page;
          page = [];
        }
      }
    }
    if (page.length > 0) yield page;
  }

  async count(): Promise<number> {
    await this.ctx.before();
    if (this.total === undefined) {
      let n = 0;
      for (const shard of await this.shards()) n += Object.keys(shard.subscribers).length;
      this.total = n;
    }
    return this.total;
  }

  async get(email: string): Promise<Subscriber | undefined> {
    await this.ctx.before();
    return (await this.shard(email)).subscribers[email];
  }

  private async save(): Promise<void> {
    await this.ctx.unit({ files: await this.ctx.docs.staged() });
  }

  private put(shard: SubscriberShard, subscriber: Subscriber): void {
    if (!shard.subscribers[subscriber.email] && this.total !== undefined) this.total++;
    shard.subscribers[subscriber.email] = subscriber;
    this.ctx.docs.touch(subscriberShardFile(subscriber.email));
  }

  async addTopic(email: string, topic: Topic, origin: Subscriber["origin"]): Promise<Subscriber> {
    return this.ctx.write(() => this.addNow(email, topic, origin));
  }

  private async addNow(email: string, topic: Topic, origin: Subscriber["origin"]): Promise<Subscriber> {
    const next = await this.stageTopic(email, topic, origin);
    await this.save();
    return next;
  }

  /** Puts the topic in the address's shard, to be saved by the caller's unit. */
  private async stageTopic(email: string, topic: Topic, origin: Subscriber["origin"]): Promise<Subscriber> {
    const shard = await this.shard(email);
    const current = shard.subscribers[email];
    const next: Subscriber = current
      ? { ...current, topics: [...current.topics.filter((t) => t.id !== topic.id), topic] }
      : { email, topics: [topic], createdAt: this.ctx.clock.now().toISOString(), origin };
    this.put(shard, next);
    return next;
  }

  /** A queued confirmation: the pending entry goes and the topic comes in one unit (a crash between two lost both). */
  private async confirmNow(token: string, email: string, topic: Topic): Promise<void> {
    if (!(await this.dropPending(token))) return;
    await this.stageTopic(email, topic, "web");
    await this.save();
  }

  async removeTopics(email: string, topicId?: string): Promise<UnsubscribeResult> {
    return this.ctx.write(() => this.removeNow(email, topicId));
  }

  private async removeNow(email: string, topicId?: string): Promise<UnsubscribeResult> {
    {
      const shard = await this.shard(email);
      const current = shard.subscribers[email];
      if (!current) return { removedTopics: 0, cancelled: 0 };
      const keep = topicId === undefined ? [] : current.topics.filter((t) => t.id !== topicId);
      const removedTopics = current.topics.length - keep.length;
      if (removedTopics === 0) return { removedTopics: 0, cancelled: 0 };
      if (keep.length === 0) {
        delete shard.subscribers[email];
        if (this.total !== undefined) this.total--;
      } else shard.subscribers[email] = { ...current, topics: keep };
      this.ctx.docs.touch(subscriberShardFile(email));
      const events = await this.outbox.cancelsFor(email, new Set(keep.map((t) => t.id)), "unsubscribed before it was sent");
      await this.ctx.unit({ files: await this.ctx.docs.staged(), ...(events.length ? { log: eventText(events) } : {}) });
      this.outbox.applied(events);
      const cancelled = events.reduce((n, e) => n + (e.op === "cancel" ? e.ids.length : 0), 0);
      return { removedTopics, cancelled };
    }
  }

  async seed(email: string, topics: readonly Topic[]): Promise<number> {
    return this.ctx.write(async () => {
      const shard = await this.shard(email);
      const seeded = new Set(shard.seeded[email] ?? []);
      const fresh = topics.filter((t) => !seeded.has(t.id));
      if (fresh.length === 0) return 0;
      const current = shard.subscribers[email];
      const have = new Set(current?.topics.map((t) => t.id) ?? []);
      const add = fresh.filter((t) => !have.has(t.id));
      if (add.length) {
        this.put(shard, current
          ? { ...current, topics: [...current.topics, ...add] }
          : { email, topics: add, createdAt: this.ctx.clock.now().toISOString(), origin: "config" });
      }
      shard.seeded[email] = [...seeded, ...fresh.map((t) => t.id)];
      this.ctx.docs.touch(subscriberShardFile(email));
      await this.save();
      return add.length;
    });
  }

  async putPending(pending: PendingSubscription): Promise<void> {
    await this.ctx.write(async () => {
      (await this.pendingDoc()).pending[pending.token] = pending;
      this.ctx.docs.touch(PENDING);
      await this.save();
    });
  }

  async takePending(token: string): Promise<PendingSubscription | undefined> {
    return this.ctx.write(() => this.takeNow(token));
  }

  private async takeNow(token: string): Promise<PendingSubscription | undefined> {
    const found = await this.dropPending(token);
    if (found) await this.save();
    return found;
  }

  /** Takes a pending entry out of its document, to be saved by the caller's unit. */
  private async dropPending(token: string): Promise<PendingSubscription | undefined> {
    const doc = await this.pendingDoc();
    const found = doc.pending[token];
    if (!found) return undefined;
    delete doc.pending[token];
    this.ctx.docs.touch(PENDING);
    return found;
  }

  async getPending(token: string): Promise<PendingSubscription | undefined> {
    await this.ctx.before();
    return (await this.pendingDoc()).pending[token];
  }

  /**
   * Appends the request to `requests.jsonl` (fsynced, without the state lock, so a run holding it
   * never stalls a web request), then applies it in the background once the lock is free. A run
   * applies whatever is queued before it claims alerts (`applyRequests`).
   */
  async request(change: SubscriptionRequest): Promise<{ readonly applied: Promise<boolean> }> {
    await this.ctx.disk.appendToQueue(REQUESTS, `${JSON.stringify(change)}\n`);
    // The state may be busy (a run): then the run applies the request before it sends anything.
    const applied = this.ctx.write(() => this.applyRequests()).then(() => true, () => false);
    return { applied };
  }

  /** Whether web requests are queued, not yet applied (a state holding them is not empty). */
  async hasQueuedRequests(): Promise<boolean> {
    return (await this.ctx.disk.exists(REQUESTS)) || (await this.ctx.disk.exists(REQUESTS_APPLYING));
  }

  /** Applies queued requests, oldest first (inside a write). Each is idempotent, so a crash part-way only repeats some. */
  async applyRequests(): Promise<number> {
    let applied = 0;
    for (;;) {
      if (!(await this.ctx.disk.exists(REQUESTS_APPLYING))) {
        if (!(await this.ctx.disk.exists(REQUESTS))) return applied;
        // Moved aside first: a request appended meanwhile starts a new file and is not lost.
        await rename(this.ctx.disk.path(REQUESTS), this.ctx.disk.path(REQUESTS_APPLYING));
      }
      const text = (await this.ctx.disk.readText(REQUESTS_APPLYING)) ?? "";
      for (const line of text.split("\n")) {
        if (line.trim() === "") continue;
        let change: SubscriptionRequest;
        try {
          change = JSON.parse(line) as SubscriptionRequest;
        } catch {
          continue; // a line cut short by a crash before its fsync was never acknowledged
        }
        if (change.type === "remove") await this.removeNow(change.email, change.topicId);
        else await this.confirmNow(change.token, change.email, change.topic);
        applied++;
      }
      await this.ctx.disk.remove(REQUESTS_APPLYING);
    }
  }

  async prunePending(olderThan: Date): Promise<number> {
    return this.ctx.write(async () => {
      const doc = await this.pendingDoc();
      let dropped = 0;
      for (const [token, p] of Object.entries(doc.pending)) {
        const at = Date.parse(p.createdAt);
        if (Number.isNaN(at) || at < olderThan.getTime()) {
          delete doc.pending[token];
          dropped++;
        }
      }
      if (dropped) {
        this.ctx.docs.touch(PENDING);
        await this.save();
      }
      return dropped;
    });
  }

  async countPending(): Promise<number> {
    await this.ctx.before();
    return Object.keys((await this.pendingDoc()).pending).length;
  }

  async allPending(): Promise<PendingSubscription[]> {
    return Object.values((await this.pendingDoc()).pending);
  }

  /** Import: a subscriber and its seeded topic ids, as they were. With `defer`, saved by a later `saveImported`. */
  async importSubscriber(subscriber: Subscriber, defer = false): Promise<void> {
    this.put(await this.shard(subscriber.email), subscriber);
    if (!defer) await this.save();
  }
  /** Saves the shards changed by deferred imports, in one unit. */
  async saveImported(): Promise<void> {
    await this.save();
  }
  async importSeeded(email: string, topicIds: readonly string[]): Promise<void> {
    const shard = await this.shard(email);
    shard.seeded[email] = [...new Set([...(shard.seeded[email] ?? []), ...topicIds])];
    this.ctx.docs.touch(subscriberShardFile(email));
    await this.save();
  }
  async importPending(pending: PendingSubscription): Promise<void> {
    (await this.pendingDoc()).pending[pending.token] = pending;
    this.ctx.docs.touch(PENDING);
    await this.save();
  }
}
