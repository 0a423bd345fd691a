import type pg from "pg";
import type { Clock } from "../../core/clock.js";
import type { SubscriptionRequest, SubscriptionStore, UnsubscribeResult } from "../../core/ports.js";
import type { PendingSubscription, Subscriber, Topic } from "../../core/subscription.js";
import { bumpGeneration, type Db, type Sql } from "./pg-db.js";
import { CANCEL_REASON } from "./pg-outbox.js";

interface SubscriberRow {
  email: string;
  origin: Subscriber["origin"];
  created_at: string;
  topics: Topic[];
}

const toSubscriber = (r: SubscriberRow): Subscriber => ({ email: r.email, topics: r.topics, createdAt: r.created_at, origin: r.origin });

/** Serialises changes to one address across instances (the lock ends with the transaction). */
async function lockAddress(client: pg.PoolClient, email: string): Promise<void> {
  await client.query("select pg_advisory_xact_lock(hashtext('pressroom.subscriber'), hashtext($1))", [email]);
}

async function readSubscriber(client: Sql, email: string): Promise<Subscriber | undefined> {
  const { rows } = await client.query<SubscriberRow>("select email, origin, created_at, topics from subscribers where email = $1", [email]);
  return rows[0] ? toSubscriber(rows[0]) : undefined;
}

/** Adds or replaces topics (by id) of an address, creating the subscriber if new. */
async function putTopics(client: Sql, email: string, topics: readonly Topic[], origin: Subscriber["origin"], createdAt: string): Promise<Subscriber> {
  const current = await readSubscriber(client, email);
  const next = [...(current?.topics ?? [])];
  for (const topic of topics) {
    const i = next.findIndex((t) => t.id === topic.id);
    if (i >= 0) next[i] = topic;
    else next.push(topic);
  }
  const subscriber: Subscriber = current ? { ...current, topics: next } : { email, topics: next, createdAt, origin };
  // Held again: deliveries for these topics may be sent (see `unsubscribed`, pg-outbox.ts).
  await client.query("delete from unsubscribed where email = $1 and topic_id = any($2::text[])", [email, topics.map((t) => t.id)]);
  await client.query(
    `insert into subscribers (email, origin, created_at, topics) values ($1, $2, $3, $4::jsonb)
     on conflict (email) do update set topics = excluded.topics`,
    [email, subscriber.origin, subscriber.createdAt, JSON.stringify(next)],
  );
  return subscriber;
}

export class PgSubscriptionStore implements SubscriptionStore {
  constructor(private readonly db: Db, private readonly clock: Clock) {}

  async list(): Promise<Subscriber[]> {
    const { rows } = await this.db.query<SubscriberRow>("list subscribers", "select email, origin, created_at, topics from subscribers order by email");
    return rows.map(toSubscriber);
  }

  async *pages(size: number): AsyncIterable<Subscriber[]> {
    let after = "";
    for (;;) {
      const { rows } = await this.db.query<SubscriberRow>(
        "page subscribers",
        "select email, origin, created_at, topics from subscribers where email > $1 order by email limit $2",
        [after, Math.max(1, size)],
      );
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.email;
      yield rows.map(toSubscriber);
    }
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>("count subscribers", "select count(*) as n from subscribers");
    return Number(rows[0]?.n ?? 0);
  }

  async get(email: string): Promise<Subscriber | undefined> {
    const { rows } = await this.db.query<SubscriberRow>("read a subscriber", "select email, origin, created_at, topics from subscribers where email = $1", [email]);
    return rows[0] ? toSubscriber(rows[0]) : undefined;
  }

  async addTopic(email: string, topic: Topic, origin: Subscriber["origin"]): Promise<Subscriber> {
    return this.db.tx("add a topic", async (client) => {
      await lockAddress(client, email);
      const subscriber = await putTopics(client, email, [topic], origin, this.clock.now().toISOString());
      await bumpGeneration(client);
      return subscriber;
    });
  }

  async removeTopics(email: string, topicId?: string): Promise<UnsubscribeResult> {
    return this.db.tx("remove topics", async (client) => {
      const now = this.clock.now();
      await lockAddress(client, email);
      const current = await readSubscriber(client, email);
      const remaining = current ? current.topics.filter((t) => topicId !== undefined && t.id !== topicId) : [];
      const removedTopics = (current?.topics.length ?? 0) - remaining.length;
      // Remembered, so that a delivery for a removed topic queued after this (by a run on another
      // instance that matched its subscribers before) is cancelled when claimed, not sent.
      const removed = (current?.topics ?? []).filter((t) => !remaining.some((r) => r.id === t.id)).map((t) => t.id);
      if (removed.length > 0) {
        await client.query(
          "insert into unsubscribed (email, topic_id, at) select $1, unnest($2::text[]), $3 on conflict (email, topic_id) do update set at = excluded.at",
          [email, removed, now],
        );
      }
      if (current && remaining.length === 0) await client.query("delete from subscribers where email = $1", [email]);
      else if (removedTopics > 0) await client.query("update subscribers set topics = $2::jsonb where email = $1", [email, JSON.stringify(remaining)]);
      // Pending deliveries of this address that no remaining topic matched.
      const cancelled = await client.query(
        `update deliveries d set status = 'cancelled', claim_owner = null, claim_until = null, finished_at = $3,
           data = d.data || jsonb_build_object('status', 'cancelled', 'lastError', $4::text, 'finishedAt', $5::text)
         where d.email = $1 and d.status = 'pending'
           and not exists (select 1 from jsonb_array_elements(d.data->'topics') t where t->>'id' = any($2::text[]))`,
        [email, remaining.map((t) => t.id), now, CANCEL_REASON, now.toISOString()],
      );
      if (removedTopics > 0 || (cancelled.rowCount ?? 0) > 0) await bumpGeneration(client);
      return { removedTopics, cancelled: cancelled.rowCount ?? 0 };
    });
  }

  async seed(email: string, topics: readonly Topic[]): Promise<number> {
    if (topics.length === 0) return 0;
    return this.db.tx("seed subscriptions", async (client) => {
      await lockAddress(client, email);
      const { rows } = await client.query<{ topic_id: string }>("select topic_id from seeded where email = $1", [email]);
      const seeded = new Set(rows.map((r) => r.topic_id));
      const fresh = [...new Map(topics.filter((t) => !seeded.has(t.id)).map((t) => [t.id, t])).values()];
      if (fresh.length === 0) return 0;
      // A topic the address holds already (subscribed on the web, say) keeps its own settings.
      const have = new Set((await readSubscriber(client, email))?.topics.map((t) => t.id) ?? []);
      const add = fresh.filter((t) => !have.has(t.id));
      if (add.length > 0) await putTopics(client, email, add, "config", this.clock.now().toISOString());
      await client.query("insert into seeded (email, topic_id) select $1, unnest($2::text[]) on conflict do nothing", [email, fresh.map((t) => t.id)]);
      await bumpGeneration(client);
      return add.length;
    });
  }

  async putPending(pending: PendingSubscription): Promise<void> {
    const at = Date.parse(pending.createdAt);
    await this.db.query(
      "record a pending subscription",
      "insert into pending_subscriptions (token, email, created_at, data) values ($1, $2, $3, $4::jsonb) on conflict (token) do update set email = excluded.email, created_at = excluded.created_at, data = excluded.data",
      [pending.token, pending.email, Number.isNaN(at) ? null : new Date(at), JSON.stringify(pending)],
    );
  }

  async takePending(token: string): Promise<PendingSubscription | undefined> {
    const { rows } = await this.db.query<{ data: PendingSubscription }>("take a pending subscription", "delete from pending_subscriptions where token = $1 returning data", [token]);
    return rows[0]?.data;
  }

  async getPending(token: string): Promise<PendingSubscription | undefined> {
    const { rows } = await this.db.query<{ data: PendingSubscription }>("read a pending subscription", "select data from pending_subscriptions where token = $1", [token]);
    return rows[0]?.data;
  }

  /** Applied at once: PostgreSQL never makes a web request wait for a run. */
  async request(change: SubscriptionRequest): Promise<{ readonly applied: Promise<boolean> }> {
    if (change.type === "remove") {
      await this.removeTopics(change.email, change.topicId);
      return { applied: Promise.resolve(true) };
    }
    await this.db.tx("confirm a subscription", async (client) => {
      const { rows } = await client.query("delete from pending_subscriptions where token = $1 returning token", [change.token]);
      if (rows.length === 0) return;
      await lockAddress(client, change.email);
      await putTopics(client, change.email, [change.topic], "web", this.clock.now().toISOString());
      await bumpGeneration(client);
    });
    return { applied: Promise.resolve(true) };
  }

  async prunePending(olderThan: Date): Promise<number> {
    const result = await this.db.query("prune pending subscriptions", "delete from pending_subscriptions where created_at is null or created_at < $1", [olderThan]);
    return result.rowCount ?? 0;
  }

  async countPending(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>("count pending subscriptions", "select count(*) as n from pending_subscriptions");
    return Number(rows[0]?.n ?? 0);
  }
}
