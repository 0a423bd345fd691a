import type pg from "pg";
import { PressroomError } from "../../core/errors.js";
import type { FeedDocument, FeedEntry, SearchKeys, StateRecord } from "../../core/ports.js";
import type { StoredRelease } from "../../core/release.js";
import type { RunSummary, RunTotals } from "../../core/run.js";
import type { SourceState } from "../../core/source.js";
import type { Delivery, PendingSubscription, Subscriber } from "../../core/subscription.js";
import { bumpGeneration, chunk, QueryQueue, storeError, type Db } from "./pg-db.js";
import { ensureFeeds, markDirty } from "./pg-feeds.js";
import { ALL_TOPICS_REMOVED, CANCEL_REASON, insertDeliveries } from "./pg-outbox.js";
import { upsertReleases } from "./pg-releases.js";
import { indexReleases, notePendingKeys } from "./pg-search-index.js";
import { emptyTotals, insertRuns, putTotals } from "./pg-runs.js";
import { decodeRelease } from "../release-codec.js";
import { putSources } from "./pg-sources.js";

const PAGE = 1_000;
/** A timestamptz expression as the ISO text records carry (`2026-11-29T10:00:00.000Z`). */
const isoText = (expression: string): string => `to_char((${expression}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/**
 * A delivery's record with `finishedAt`: rows finished before the record kept it have the time
 * only in `finished_at` (for rows loaded by copy-state then, the time it was sent, if it was).
 */
const DATA_WITH_FINISHED_AT = `case when d.data ? 'finishedAt' or d.finished_at is null then d.data
  else d.data || jsonb_build_object('finishedAt', ${isoText("d.finished_at")}) end`;
/**
 * Every table of the schema that holds state (all but `pressroom_meta`: the schema bookkeeping, the
 * generation, the search index's flag and the secret). Listed rather than read from the catalogue,
 * so that other tables sharing the schema (an extension's, another application's) do not count;
 * test/store/postgres-copy-empty.test.ts fails when a migration adds a table missing here.
 */
export const STATE_TABLES = [
  "deliveries", "feed_dirty", "feed_documents", "feed_entries", "feeds", "pending_subscriptions", "release_keys", "release_titles",
  "releases", "run_totals", "runs", "search_docs", "seeded", "sources", "subscribers", "unsubscribed", "delivery_counts",
] as const;
/** Tables the schema creates holding a row: empty while that row says nothing happened (run totals all zero). */
const EMPTY_WHEN: Readonly<Record<string, string>> = {
  run_totals: "not exists (select 1 from run_totals, jsonb_each(data) e where e.value <> '0'::jsonb)",
  delivery_counts: "not exists (select 1 from delivery_counts group by status having sum(n) <> 0)",
};

/** Whether the state holds nothing (the secret and the schema bookkeeping do not count): copy-state must never write over state. */
export async function isEmptyState(db: Db): Promise<boolean> {
  const checks = STATE_TABLES.map((t) => EMPTY_WHEN[t] ?? `not exists (select 1 from ${t})`);
  const { rows } = await db.query<{ empty: boolean }>("check whether the state is empty", `select ${checks.join(" and ")} as empty`);
  return rows[0]?.empty === true;
}

/** Every record: releases by month, feeds, sources, subscriptions, deliveries by id, runs oldest first, totals, secret. */
export async function* exportState(db: Db): AsyncGenerator<StateRecord> {
  // One read-only repeatable-read transaction: a consistent snapshot even while instances write.
  const { client, release } = await db.checkout("export the state");
  const q = async <R extends pg.QueryResultRow>(verb: string, text: string, params: unknown[] = []): Promise<pg.QueryResult<R>> => {
    try {
      return await client.query<R>(text, params);
    } catch (error) {
      throw storeError(verb, db.location, error);
    }
  };
  try {
    await q("export the state", "begin isolation level repeatable read read only");
    yield* exportSnapshot(q);
  } finally {
    // Read-only: ending it by rollback also ends an export abandoned half way.
    await client.query("rollback").catch(() => {});
    release();
  }
}

type Query = <R extends pg.QueryResultRow>(verb: string, text: string, params?: unknown[]) => Promise<pg.QueryResult<R>>;

async function* exportSnapshot(q: Query): AsyncGenerator<StateRecord> {
  const months = await q<{ month: string }>("export releases", "select distinct month from releases order by month desc");
  for (const { month } of months.rows) {
    const { rows } = await q<{ data: StoredRelease }>("export releases", "select data from releases where month = $1 order by date, id", [month]);
    for (const r of rows) yield { type: "release", release: decodeRelease(r.data) };
  }
  const feeds = await q<{ name: string }>("export feeds", "select name from feeds order by name");
  for (const { name } of feeds.rows) {
    const { rows } = await q<FeedEntry>("export feeds", `select release_id as id, date, updated_at as "updatedAt" from feed_entries where feed = $1 order by date desc, updated_at desc, release_id`, [name]);
    yield { type: "feed-entries", feed: name, entries: rows.map((e) => ({ id: e.id, date: e.date, updatedAt: e.updatedAt })) };
  }
  const docs = await q<FeedDocument>("export feed documents", "select name, xml, etag, updated, entries from feed_documents order by name");
  for (const d of docs.rows) yield { type: "feed-document", document: { name: d.name, xml: d.xml, etag: d.etag, updated: d.updated, entries: d.entries } };
  const dirty = await q<{ feed: string }>("export dirty feeds", "select feed from feed_dirty order by feed");
  if (dirty.rows.length) yield { type: "dirty", feeds: dirty.rows.map((r) => r.feed) };
  const sources = await q<{ data: SourceState }>("export sources", "select data from sources order by id");
  for (const s of sources.rows) yield { type: "source", state: s.data };
  const subs = await q<{ email: string; origin: Subscriber["origin"]; created_at: string; topics: Subscriber["topics"] }>("export subscribers", "select email, origin, created_at, topics from subscribers order by email");
  for (const s of subs.rows) yield { type: "subscriber", subscriber: { email: s.email, topics: s.topics, createdAt: s.created_at, origin: s.origin } };
  const seeded = await q<{ email: string; ids: string[] }>("export seeded topics", "select email, array_agg(topic_id order by topic_id) as ids from seeded group by email order by email");
  for (const s of seeded.rows) yield { type: "seeded", email: s.email, topicIds: s.ids };
  const pending = await q<{ data: PendingSubscription }>("export pending subscriptions", "select data from pending_subscriptions order by token");
  for (const p of pending.rows) yield { type: "pending", pending: p.data };
  let after = "";
  for (;;) {
    // A pending delivery all of whose topics its address removed would be cancelled when claimed
    // (pg-outbox.ts): it goes out cancelled, so the target (which has no such table) never sends it.
    // It finished when the last of those topics was removed, or when it was queued if that came later.
    const { rows } = await q<{ id: string; data: Delivery | null; cancelled_at: string | null }>(
      "export deliveries",
      `select id, ${DATA_WITH_FINISHED_AT} as data,
         case when status = 'pending' and exists (select 1 from unsubscribed u where u.email = d.email) and ${ALL_TOPICS_REMOVED}
           then ${isoText(`greatest(d.created_at, (select max(u.at) from unsubscribed u
                  where u.email = d.email and u.topic_id in (select t->>'id' from jsonb_array_elements(d.data->'topics') t)))`)} end as cancelled_at
       from deliveries d where id > $1 order by id limit $2`,
      [after, PAGE],
    );
    for (const d of rows) {
      if (!d.data) continue;
      yield { type: "delivery", delivery: d.cancelled_at ? { ...d.data, status: "cancelled", lastError: CANCEL_REASON, finishedAt: d.cancelled_at } : d.data };
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]!.id;
  }
  const runs = await q<{ data: RunSummary }>("export runs", "select data from runs order by seq");
  for (const r of runs.rows) yield { type: "run", run: r.data };
  const totals = await q<{ data: RunTotals }>("export run totals", "select data from run_totals where id = 1");
  const t = { ...emptyTotals(), ...totals.rows[0]?.data };
  if (t.runs > 0) yield { type: "totals", totals: t };
  const secret = await q<{ value: string }>("export the secret", "select value from pressroom_meta where key = 'secret'");
  if (secret.rows[0]) yield { type: "secret", secret: secret.rows[0].value };
}

/** Loads records into an empty state, in transactions of up to PAGE records. Returns counts by type. */
export async function importState(db: Db, records: AsyncIterable<StateRecord>, feedEntries: number, searchKeys?: SearchKeys): Promise<Record<string, number>> {
  if (!(await isEmptyState(db))) {
    throw new PressroomError("STATE_NOT_EMPTY", `store: ${db.location} is not empty; copy-state loads only into an empty state (use a new database).`);
  }
  const counts: Record<string, number> = {};
  let batch: StateRecord[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    notePendingKeys(db, await db.tx("import records", (client) => importBatch(client, records, feedEntries, searchKeys)));
  };
  for await (const record of records) {
    counts[record.type] = (counts[record.type] ?? 0) + 1;
    batch.push(record);
    if (batch.length >= PAGE) await flush();
  }
  await flush();
  return counts;
}

/** Imports one page of records in the caller's transaction; true when its releases were indexed in bulk (`notePendingKeys`). */
async function importBatch(client: pg.PoolClient, records: readonly StateRecord[], feedEntries: number, searchKeys?: SearchKeys): Promise<boolean> {
  const of = <T extends StateRecord["type"]>(type: T) => records.filter((r): r is Extract<StateRecord, { type: T }> => r.type === type);
  const releases = of("release").map((r) => r.release);
  let bulk = false;
  await new QueryQueue(client).run(async (writes) => {
    upsertReleases(writes, releases);
    bulk = await indexReleases(writes, releases, searchKeys);
  });
  for (const r of of("feed-entries")) {
    await ensureFeeds(client, [r.feed]);
    const entries = r.entries.slice(0, feedEntries);
    await client.query(
      `insert into feed_entries (feed, release_id, date, updated_at) select $1, * from unnest($2::text[], $3::text[], $4::text[])
       on conflict (feed, release_id) do update set date = excluded.date, updated_at = excluded.updated_at`,
      [r.feed, entries.map((e) => e.id), entries.map((e) => e.date), entries.map((e) => e.updatedAt)],
    );
  }
  for (const r of of("feed-document")) {
    const d = r.document;
    await client.query(
      "insert into feed_documents (name, xml, etag, updated, entries) values ($1, $2, $3, $4, $5) on conflict (name) do update set xml = excluded.xml, etag = excluded.etag, updated = excluded.updated, entries = excluded.entries",
      [d.name, d.xml, d.etag, d.updated, d.entries],
    );
  }
  await markDirty(client, of("dirty").flatMap((r) => r.feeds));
  await putSources(client, of("source").map((r) => r.state));
  for (const { subscriber: s } of of("subscriber")) {
    await client.query(
      "insert into subscribers (email, origin, created_at, topics) values ($1, $2, $3, $4::jsonb) on conflict (email) do update set origin = excluded.origin, created_at = excluded.created_at, topics = excluded.topics",
      [s.email, s.origin, s.createdAt, JSON.stringify(s.topics)],
    );
  }
  for (const r of of("seeded")) await client.query("insert into seeded (email, topic_id) select $1, unnest($2::text[]) on conflict do nothing", [r.email, [...r.topicIds]]);
  for (const { pending: p } of of("pending")) {
    const at = Date.parse(p.createdAt);
    await client.query("insert into pending_subscriptions (token, email, created_at, data) values ($1, $2, $3, $4::jsonb) on conflict (token) do nothing", [p.token, p.email, Number.isNaN(at) ? null : new Date(at), JSON.stringify(p)]);
  }
  for (const part of chunk(of("delivery").map((r) => r.delivery), PAGE)) await insertDeliveries(client, part);
  await insertRuns(client, of("run").map((r) => r.run));
  for (const r of of("totals")) await putTotals(client, r.totals);
  for (const r of of("secret")) {
    await client.query("insert into pressroom_meta (key, value) values ('secret', $1) on conflict (key) do update set value = excluded.value", [r.secret]);
  }
  await bumpGeneration(client);
  return bulk;
}
