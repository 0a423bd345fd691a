import type { Clock } from "../../core/clock.js";
import type { OutboxAck, OutboxStats, OutboxStore } from "../../core/ports.js";
import type { Delivery } from "../../core/subscription.js";
import { bumpGeneration, byCode, chunk, type Db, type Sql } from "./pg-db.js";

/** Channel notified when deliveries were queued (senders may claim at once). */
export const WORK_CHANNEL = "pressroom_work";

const BATCH = 5_000;
/** Why a delivery was cancelled because its address unsubscribed (also pg-subscriptions.ts). */
export const CANCEL_REASON = "unsubscribed before it was sent";
/**
 * A delivery (`d`) every topic of which its address removed since it was queued (table
 * `unsubscribed`): it is cancelled when claimed, and copy-state exports it cancelled.
 */
export const ALL_TOPICS_REMOVED = `not exists (
  select 1 from jsonb_array_elements(d.data->'topics') t
  where not exists (select 1 from unsubscribed u where u.email = d.email and u.topic_id = t->>'id'))`;
/**
 * `status = 'pending'` for rows an update finds by id: written so that the planner cannot answer it
 * from an index. Plain, it let the planner scan every pending delivery (through `deliveries_status`
 * or a pending-only index) and hash-join them with the ids whenever the statistics still counted
 * few pending rows, as after a big enqueue before autovacuum's analyze: with 50,000 queued, each
 * ack and batch record of a few ids read all 50,000 (12–20 ms instead of well under one), and a
 * warm run's 50,890 alerts in the delivery bench took 91 s instead of 42.
 */
const STILL_PENDING = (row: string): string => `coalesce(${row}.status, '') = 'pending'`;
/** Records batch ids and Message-IDs (`$1`: a JSON array of {id, batch_id, message_id}). */
export const RECORD_BATCHES = `update deliveries d set batch_id = a.batch_id, message_id = a.message_id,
     data = d.data || jsonb_build_object('batchId', a.batch_id, 'messageId', a.message_id)
   from jsonb_to_recordset($1::jsonb) as a(id text, batch_id text, message_id text)
   where d.id = a.id and ${STILL_PENDING("d")}`;
/** Acknowledges deliveries (`$1`: a JSON array of {id, status, due_at, patch}; `$2`: now). */
export const ACKNOWLEDGE = `update deliveries d set status = a.status, due_at = coalesce(a.due_at, d.due_at), claim_owner = null, claim_until = null,
     finished_at = case when a.status = 'pending' then null else $2::timestamptz end,
     data = d.data || a.patch
   from jsonb_to_recordset($1::jsonb) as a(id text, status text, due_at timestamptz, patch jsonb)
   where d.id = a.id and ${STILL_PENDING("d")}`;
/** Conditions of a delivery a sender may claim at `$1`. */
const CLAIMABLE = "status = 'pending' and due_at <= $1 and (claim_until is null or claim_until <= $1)";

/** Rows of delivery_counts from which stats folds those of connections gone into slot 0. */
const FOLD_FROM = 64;
/**
 * Folds the counts of connections no longer open (schema 12: each connection counts in rows of its
 * own) into slot 0, in status order. A connection that takes a folded pid meanwhile waits for the
 * fold, then starts a row of its own.
 */
const FOLD_COUNTS = `with gone as (
    delete from delivery_counts c where slot <> 0 and not exists (select 1 from pg_stat_activity a where a.pid = c.slot)
    returning status, n
  )
  insert into delivery_counts (status, slot, n) select status, 0, sum(n) from gone group by status order by status
  on conflict (status, slot) do update set n = delivery_counts.n + excluded.n`;

/**
 * Deliveries queued at once from which the table's statistics are refreshed after the commit.
 * Autovacuum analyzes a table once a tenth of it changed: on a big history a send of 50,000 alerts
 * ran on statistics that counted none pending, and the planner read every pending delivery for a
 * claim of a few hundred (18 ms a claim round at 50,000 instead of 1–2). ANALYZE reads a fixed sample,
 * so its cost does not grow with the history.
 */
const ANALYZE_FROM = 2_000;

/** How often a claim tries again a refresh that gave way (each try waits at most the upkeep's lock wait, 100 ms). */
const STATS_RETRY_MS = 5_000;
/** How often claims look at the table's change counter (`freshStatistics`); a pool's first claim always does. */
const STATS_CHECK_MS = 60_000;

/*
 * Until the deliveries' statistics count a big enqueue, claims plan their prefix and address
 * queries on counts from before it: 18 + 10 ms a claim round at 50,000 queued, instead of 5 + 0.4.
 * Per pool (a daemon opens one per run): when a claim should try again a refresh that gave way to a
 * lock (a VACUUM of the table), when claims next look at the change counter, and whether a refresh
 * is running (claims at once start one, not one each).
 */
const statsBehind = new WeakMap<Db, number>();
const statsCheckAt = new WeakMap<Db, number>();
const statsRefreshing = new WeakSet<Db>();

/** Refreshes the deliveries' statistics; notes for the next claim a refresh that gave way. */
async function refreshStatistics(db: Db): Promise<void> {
  if (statsRefreshing.has(db)) return;
  statsRefreshing.add(db);
  try {
    // The columns queries filter and sort by; the documents are not read.
    const outcome = await db.upkeep("refresh the outbox's statistics", "analyze deliveries (id, email, status, due_at, claim_owner, claim_until, finished_at)");
    if (outcome === "gave way") statsBehind.set(db, statsBehind.has(db) ? Date.now() + STATS_RETRY_MS : Date.now());
    else statsBehind.delete(db);
  } finally {
    statsRefreshing.delete(db);
  }
}

/**
 * Before a claim: retries a refresh this pool saw give way; otherwise, at a pool's first claim and
 * then every STATS_CHECK_MS, refreshes when the table changed by ANALYZE_FROM rows and a tenth since
 * it was last analyzed. That covers a refresh that gave way in another process or an earlier run
 * (its note went with its pool), and a table whose autovacuum is off or lagging.
 */
async function freshStatistics(db: Db): Promise<void> {
  const now = Date.now();
  const retryAt = statsBehind.get(db);
  if (retryAt !== undefined) {
    if (now >= retryAt) await refreshStatistics(db);
    return;
  }
  if (now < (statsCheckAt.get(db) ?? 0)) return;
  statsCheckAt.set(db, now + STATS_CHECK_MS);
  // Only a hint: a failure to read it is no reason to fail the claim.
  const { rows } = await db
    .query<{ tuples: number; changed: string }>(
      "look at the outbox's statistics",
      `select c.reltuples as tuples, s.n_mod_since_analyze as changed
       from pg_class c join pg_stat_user_tables s on s.relid = c.oid where c.oid = 'deliveries'::regclass`,
    )
    .catch(() => ({ rows: [] as { tuples: number; changed: string }[] }));
  const row = rows[0];
  if (row && Number(row.changed) >= ANALYZE_FROM && Number(row.changed) > Math.max(0, Number(row.tuples)) / 10) await refreshStatistics(db);
}

/** After a commit that queued `enqueued` deliveries: refreshes the deliveries' statistics when they were many. */
export async function afterEnqueue(db: Db, enqueued: number): Promise<void> {
  if (enqueued >= ANALYZE_FROM) await refreshStatistics(db);
}

/**
 * Inserts deliveries never recorded before (the id is kept forever, whatever the status), in
 * statements of BATCH rows. Returns how many were added.
 */
export async function insertDeliveries(client: Sql, deliveries: readonly Delivery[]): Promise<number> {
  let added = 0;
  const sorted = [...deliveries].sort((a, b) => byCode(a.id, b.id));
  for (const part of chunk(sorted, BATCH)) {
    const result = await client.query(
      `insert into deliveries (id, email, status, due_at, created_at, batch_id, message_id, finished_at, data)
       select d->>'id', d->>'email', d->>'status', (d->>'dueAt')::timestamptz, (d->>'createdAt')::timestamptz,
              d->>'batchId', d->>'messageId', coalesce(d->>'finishedAt', d->>'sentAt')::timestamptz, d
       from jsonb_array_elements($1::jsonb) d
       on conflict (id) do nothing`,
      [JSON.stringify(part)],
    );
    added += result.rowCount ?? 0;
  }
  return added;
}

interface Row {
  data: Delivery;
}

export class PgOutboxStore implements OutboxStore {
  constructor(private readonly db: Db, private readonly clock: Clock) {}

  async enqueue(deliveries: readonly Delivery[]): Promise<number> {
    if (deliveries.length === 0) return 0;
    const added = await this.db.tx("queue deliveries", async (client) => {
      const added = await insertDeliveries(client, deliveries);
      if (added > 0) {
        await client.query("select pg_notify($1, '')", [WORK_CHANNEL]);
        await bumpGeneration(client);
      }
      return added;
    });
    await afterEnqueue(this.db, added);
    return added;
  }

  /*
   * In one transaction: pick candidate addresses, oldest due delivery first, taking each only under
   * a transaction-scoped advisory lock on it (a concurrent claimer skips it, so a digest is never
   * split); then, in a fresh statement (so claims committed meanwhile are seen), lock the picked
   * addresses' claimable rows FOR UPDATE SKIP LOCKED and claim them. An address that turns out to
   * have been claimed just before is replaced by the next candidate, for a few rounds.
   */
  async claimDue(owner: string, leaseMs: number, limit: number, now: Date): Promise<Delivery[]> {
    if (limit <= 0) return [];
    await freshStatistics(this.db);
    const until = new Date(now.getTime() + leaseMs);
    const rows = await this.db.tx("claim deliveries", async (client) => {
      const out: (Row & { due: Date })[] = [];
      const tried: string[] = [];
      const addresses = new Set<string>();
      for (let round = 0; round < 5 && addresses.size < limit; round++) {
        // The addresses come from a prefix of the due order (the deliveries_due index), not from
        // grouping the whole queue: a claim costs what it takes. An address's first delivery in the
        // prefix is its earliest anywhere, so the order is the same; a prefix holding too few
        // addresses (digests: many deliveries each) leaves the rest to the next round.
        const wanted = limit - addresses.size;
        const picked = await client.query<{ email: string }>(
          `with prefix as materialized (
             select email, due_at from deliveries
             where ${CLAIMABLE} and not (email = any($3::text[]))
             order by due_at, id limit $4
           ), candidates as materialized (
             select email, min(due_at) as first_due from prefix
             group by email order by first_due, email
           )
           select email from candidates
           where pg_try_advisory_xact_lock(hashtext('pressroom.claim'), hashtext(email))
           limit $2`,
          [now, wanted, tried, wanted * 4 + 100],
        );
        if (picked.rows.length === 0) break;
        const emails = picked.rows.map((r) => r.email);
        tried.push(...emails);
        // A delivery every topic of which its address removed since (queued by a run that matched
        // the subscribers before the unsubscribe) is cancelled, not claimed. The addresses that
        // removed any topic are looked up first (the small table's key): usually none, and then the
        // deliveries table is not touched whatever plan its statistics would give.
        const gone = await client.query<{ email: string }>("select distinct email from unsubscribed where email = any($1::text[])", [emails]);
        if (gone.rows.length > 0) {
          await client.query(
            `update deliveries d set status = 'cancelled', claim_owner = null, claim_until = null, finished_at = $1,
               data = d.data || jsonb_build_object('status', 'cancelled', 'lastError', $3::text, 'finishedAt', $4::text)
             where d.email = any($2::text[]) and ${CLAIMABLE} and ${ALL_TOPICS_REMOVED}`,
            [now, gone.rows.map((r) => r.email), CANCEL_REASON, now.toISOString()],
          );
        }
        const claimed = await client.query<Row & { due: Date; email: string }>(
          `with locked as (
             select id from deliveries where email = any($2::text[]) and ${CLAIMABLE}
             for update skip locked
           )
           update deliveries d set claim_owner = $3, claim_until = $4
           from locked where d.id = locked.id
           returning d.data, d.due_at as due, d.email`,
          [now, emails, owner, until],
        );
        for (const r of claimed.rows) {
          addresses.add(r.email);
          out.push(r);
        }
      }
      return out;
    });
    return rows.sort((a, b) => a.due.getTime() - b.due.getTime() || (a.data.id < b.data.id ? -1 : a.data.id > b.data.id ? 1 : 0)).map((r) => r.data);
  }

  async assignBatch(ids: readonly string[], batchId: string, messageId: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      "record a batch",
      `update deliveries d set batch_id = $2, message_id = $3, data = d.data || jsonb_build_object('batchId', $2::text, 'messageId', $3::text)
       where d.id = any($1::text[]) and ${STILL_PENDING("d")}`,
      [[...ids], batchId, messageId],
    );
  }

  async assignBatches(batches: readonly { readonly ids: readonly string[]; readonly batchId: string; readonly messageId: string }[]): Promise<void> {
    const rows = batches.flatMap((b) => b.ids.map((id) => ({ id, batch_id: b.batchId, message_id: b.messageId }))).sort((a, b) => byCode(a.id, b.id));
    if (rows.length === 0) return;
    if (rows.length <= BATCH) {
      await this.db.statement("record batches", RECORD_BATCHES, [JSON.stringify(rows)]);
      return;
    }
    await this.db.tx("record batches", async (client) => {
      for (const part of chunk(rows, BATCH)) await client.query(RECORD_BATCHES, [JSON.stringify(part)]);
    });
  }

  async ack(acks: readonly OutboxAck[]): Promise<void> {
    if (acks.length === 0) return;
    const latest = new Map(acks.map((a) => [a.id, a]));
    const now = this.clock.now();
    const finishedAt = now.toISOString();
    const rows = [...latest.values()].sort((a, b) => byCode(a.id, b.id)).map((a) => {
      switch (a.status) {
        case "sent":
          return { id: a.id, status: "sent", due_at: null, patch: { status: "sent", sentAt: a.sentAt, finishedAt } };
        case "failed":
          return { id: a.id, status: "failed", due_at: null, patch: { status: "failed", lastError: a.error, attempts: a.attempts, finishedAt } };
        case "retry":
          return { id: a.id, status: "pending", due_at: a.dueAt, patch: { status: "pending", dueAt: a.dueAt, lastError: a.error, attempts: a.attempts } };
      }
    });
    if (rows.length <= BATCH) {
      // One statement is its own transaction: a sender's group of acks costs one round trip, not three.
      await this.db.statement("acknowledge deliveries", ACKNOWLEDGE, [JSON.stringify(rows), now]);
      return;
    }
    await this.db.tx("acknowledge deliveries", async (client) => {
      for (const part of chunk(rows, BATCH)) await client.query(ACKNOWLEDGE, [JSON.stringify(part), now]);
    });
  }

  async releaseClaims(owner: string): Promise<void> {
    await this.db.query("release claims", "update deliveries set claim_owner = null, claim_until = null where claim_owner = $1", [owner]);
  }

  async stats(now: Date): Promise<OutboxStats> {
    const { rows } = await this.db.query<{ pending: string; due: string; sent: string; failed: string; cancelled: string; oldest: string | null; slots: string }>(
      "read outbox stats",
      // The queue is counted; finished deliveries are counted as they finish (schema 12), so this
      // costs what is queued, not every delivery ever sent.
      `select (select count(*) from deliveries where status = 'pending') as pending,
              (select count(*) from deliveries where status = 'pending' and due_at <= $1) as due,
              (select data->>'createdAt' from deliveries where status = 'pending' order by created_at, id limit 1) as oldest,
              coalesce((select sum(n) from delivery_counts where status = 'sent'), 0) as sent,
              coalesce((select sum(n) from delivery_counts where status = 'failed'), 0) as failed,
              coalesce((select sum(n) from delivery_counts where status = 'cancelled'), 0) as cancelled,
              (select count(*) from delivery_counts) as slots`,
      [now],
    );
    const r = rows[0]!;
    if (Number(r.slots) > FOLD_FROM) await this.db.upkeep("fold the outbox's counts", FOLD_COUNTS);
    return {
      pending: Number(r.pending),
      due: Number(r.due),
      ...(r.oldest ? { oldestPendingAt: r.oldest } : {}),
      sent: Number(r.sent),
      failed: Number(r.failed),
      cancelled: Number(r.cancelled),
    };
  }

  async pending(limit?: number): Promise<Delivery[]> {
    const { rows } = await this.db.query<Row>("list pending deliveries", "select data from deliveries where status = 'pending' order by due_at, id limit $1", [limit ?? null]);
    return rows.map((r) => r.data);
  }

  async get(id: string): Promise<Delivery | undefined> {
    const { rows } = await this.db.query<Row>("read a delivery", "select data from deliveries where id = $1", [id]);
    return rows[0]?.data;
  }

  async recentFailures(limit: number): Promise<Delivery[]> {
    const { rows } = await this.db.query<Row>(
      "list failed deliveries",
      "select data from deliveries where status = 'failed' order by finished_at desc nulls last, created_at desc, id limit $1",
      [limit],
    );
    return rows.map((r) => r.data);
  }
}
