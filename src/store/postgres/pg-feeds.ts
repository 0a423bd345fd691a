import type { Clock } from "../../core/clock.js";
import type { DirtyMark, FeedDocument, FeedEntry, FeedRender, FeedStore } from "../../core/ports.js";
import { joinPieces } from "../../core/text-pieces.js";
import { feedChangedAt } from "../feed-updated.js";
import { sha256OfText } from "../text-sha.js";
import { bumpGeneration, byCode, chunk, type Db, type Sql } from "./pg-db.js";

/** Channel notified (payload: JSON array of names, or `*` when too long) when feed bytes change. */
export const FEEDS_CHANNEL = "pressroom_feeds";

const ORDER = "date desc, updated_at desc, release_id asc";

export async function ensureFeeds(client: Sql, feeds: readonly string[]): Promise<void> {
  if (feeds.length === 0) return;
  await client.query("insert into feeds (name) select distinct unnest($1::text[]) order by 1 on conflict do nothing", [[...feeds]]);
}

export async function markDirty(client: Sql, feeds: readonly string[]): Promise<void> {
  if (feeds.length === 0) return;
  // Marking a feed already dirty moves its version on: a render that read it before this commit
  // then leaves the mark for the render after (see publish).
  await client.query("insert into feed_dirty (feed) select distinct unnest($1::text[]) order by 1 on conflict (feed) do update set seq = nextval('feed_dirty_seq')", [[...feeds]]);
}

/** Places entries (replacing a release's entry in a feed) and trims each placed feed to `cap`. Returns the placed feeds. */
export async function placeEntries(client: Sql, placements: readonly { readonly feed: string; readonly entry: FeedEntry }[], cap: number): Promise<string[]> {
  if (placements.length === 0) return [];
  const latest = new Map<string, { feed: string; entry: FeedEntry }>();
  for (const p of placements) latest.set(`${p.feed}\u0000${p.entry.id}`, p);
  const feeds = [...new Set(placements.map((p) => p.feed))].sort();
  await ensureFeeds(client, feeds);
  // Of one feed's placements only its newest `cap` can end up in the feed: the others are not
  // written (an import would otherwise insert, then delete, nearly every row), only removed where
  // the release had an entry before. Twice `cap` are kept, so a tie ordered differently here (code
  // points) and by the trim below (the column's collation) cannot lose an entry.
  const kept: { feed: string; entry: FeedEntry }[] = [];
  const beyond: { feed: string; id: string }[] = [];
  const byFeed = new Map<string, { feed: string; entry: FeedEntry }[]>();
  for (const p of latest.values()) {
    const list = byFeed.get(p.feed);
    if (list) list.push(p);
    else byFeed.set(p.feed, [p]);
  }
  for (const list of byFeed.values()) {
    list.sort((a, b) => byCode(b.entry.date, a.entry.date) || byCode(b.entry.updatedAt, a.entry.updatedAt) || byCode(a.entry.id, b.entry.id));
    kept.push(...list.slice(0, 2 * cap));
    for (const p of list.slice(2 * cap)) beyond.push({ feed: p.feed, id: p.entry.id });
  }
  beyond.sort((a, b) => byCode(a.feed, b.feed) || byCode(a.id, b.id));
  for (const part of chunk(beyond, 5_000)) {
    await client.query(
      "delete from feed_entries f using unnest($1::text[], $2::text[]) as b(feed, release_id) where f.feed = b.feed and f.release_id = b.release_id",
      [part.map((b) => b.feed), part.map((b) => b.id)],
    );
  }
  const sorted = kept.sort((a, b) => byCode(a.feed, b.feed) || byCode(a.entry.id, b.entry.id));
  for (const part of chunk(sorted, 5_000)) {
    await client.query(
      `insert into feed_entries (feed, release_id, date, updated_at) select * from unnest($1::text[], $2::text[], $3::text[], $4::text[])
       on conflict (feed, release_id) do update set date = excluded.date, updated_at = excluded.updated_at`,
      [part.map((p) => p.feed), part.map((p) => p.entry.id), part.map((p) => p.entry.date), part.map((p) => p.entry.updatedAt)],
    );
  }
  // Per placed feed, walk its order index past the first `cap` entries: what lies beyond goes.
  await client.query(
    `delete from feed_entries f using (
       select p.feed, x.release_id from unnest($1::text[]) as p(feed)
       cross join lateral (select e.release_id from feed_entries e where e.feed = p.feed order by ${ORDER} offset $2) x
     ) beyond
     where f.feed = beyond.feed and f.release_id = beyond.release_id`,
    [feeds, cap],
  );
  return feeds;
}

/** Takes releases out of feeds (a revision that no longer matches a topic). Returns the feeds that held one. */
export async function removeEntries(client: Sql, removals: readonly { readonly feed: string; readonly id: string }[]): Promise<string[]> {
  if (removals.length === 0) return [];
  // In key order, as placeEntries writes: two commits touching the same rows lock them alike.
  const sorted = [...removals].sort((a, b) => byCode(a.feed, b.feed) || byCode(a.id, b.id));
  const feeds = new Set<string>();
  for (const part of chunk(sorted, 5_000)) {
    const { rows } = await client.query<{ feed: string }>(
      "delete from feed_entries f using unnest($1::text[], $2::text[]) as r(feed, release_id) where f.feed = r.feed and f.release_id = r.release_id returning f.feed",
      [part.map((r) => r.feed), part.map((r) => r.id)],
    );
    for (const r of rows) feeds.add(r.feed);
  }
  return [...feeds].sort();
}

/** Strong ETag of a feed's bytes. */
export function etagOf(xml: string): string {
  return `"${sha256OfText(xml)}"`;
}

export class PgFeedStore implements FeedStore {
  constructor(private readonly db: Db, private readonly clock: Clock, private readonly cap: number) {}

  async entries(feed: string): Promise<FeedEntry[]> {
    const { rows } = await this.db.query<{ id: string; date: string; updatedAt: string }>(
      "read a feed's entries",
      `select release_id as id, date, updated_at as "updatedAt" from feed_entries where feed = $1 order by ${ORDER} limit $2`,
      [feed, this.cap],
    );
    return rows.map((r) => ({ id: r.id, date: r.date, updatedAt: r.updatedAt }));
  }

  async names(): Promise<string[]> {
    const { rows } = await this.db.query<{ name: string }>("list feeds", "select name from feeds order by name");
    return rows.map((r) => r.name);
  }

  async has(feed: string): Promise<boolean> {
    const { rows } = await this.db.query("look up a feed", "select 1 from feeds where name = $1", [feed]);
    return rows.length > 0;
  }

  async dirty(): Promise<string[]> {
    const { rows } = await this.db.query<{ feed: string }>("list dirty feeds", "select feed from feed_dirty order by feed");
    return rows.map((r) => r.feed);
  }

  async dirtyMarks(): Promise<DirtyMark[]> {
    const { rows } = await this.db.query<{ feed: string; version: string }>("list dirty feeds", "select feed, seq::text as version from feed_dirty order by feed");
    return rows.map((r) => ({ feed: r.feed, version: r.version }));
  }

  async publish(renders: readonly FeedRender[], given: readonly (string | DirtyMark)[]): Promise<string[]> {
    const updated = this.clock.now().toISOString();
    const clean = given.map((c) => (typeof c === "string" ? { feed: c, version: null } : c));
    return this.db.tx("publish feeds", async (client) => {
      const latest = new Map(renders.map((r) => [r.name, r]));
      // Marks first (locking them against a commit marking the feed again): one whose version moved
      // on since the render read the feed keeps its mark, and the render, older than the state, is dropped.
      let cleared = 0;
      if (clean.length > 0) {
        const { rows } = await client.query<{ feed: string }>(
          `delete from feed_dirty d using unnest($1::text[], $2::bigint[]) as m(feed, seq)
           where d.feed = m.feed and (m.seq is null or d.seq = m.seq) returning d.feed`,
          [clean.map((c) => c.feed), clean.map((c) => c.version)],
        );
        cleared = rows.length;
        const done = new Set(rows.map((r) => r.feed));
        for (const c of clean) if (c.version !== null && !done.has(c.feed)) latest.delete(c.feed);
      }
      // A document changing again within the second of its last change says the next second (feed-updated.ts).
      const before = new Map(
        (await client.query<{ name: string; updated: string }>("select name, updated from feed_documents where name = any($1::text[])", [[...latest.keys()]])).rows.map((r) => [r.name, r.updated]),
      );
      const changed: string[] = [];
      for (const part of chunk([...latest.values()].sort((a, b) => byCode(a.name, b.name)), 200)) {
        const { rows } = await client.query<{ name: string }>(
          `insert into feed_documents (name, xml, etag, updated, entries)
           values ${part.map((_, i) => `($${5 * i + 1}, $${5 * i + 2}, $${5 * i + 3}, $${5 * i + 4}, $${5 * i + 5}::int)`).join(", ")}
           on conflict (name) do update set xml = excluded.xml, etag = excluded.etag, updated = excluded.updated, entries = excluded.entries
           where feed_documents.etag is distinct from excluded.etag
           returning name`,
          part.flatMap((r) => {
            const xml = joinPieces(r.xml);
            return [r.name, xml, etagOf(xml), feedChangedAt(before.get(r.name), updated), r.entries];
          }),
        );
        changed.push(...rows.map((r) => r.name));
      }
      if (changed.length > 0) {
        const payload = JSON.stringify(changed);
        await client.query("select pg_notify($1, $2)", [FEEDS_CHANNEL, payload.length < 7_900 ? payload : "*"]);
      }
      if (changed.length > 0 || cleared > 0) await bumpGeneration(client);
      const order = new Map(renders.map((r, i) => [r.name, i]));
      return changed.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    });
  }

  async get(name: string): Promise<FeedDocument | undefined> {
    const { rows } = await this.db.query<FeedDocument>("read a feed document", "select name, xml, etag, updated, entries from feed_documents where name = $1", [name]);
    const row = rows[0];
    return row ? { name: row.name, xml: row.xml, etag: row.etag, updated: row.updated, entries: row.entries } : undefined;
  }

  async documents(): Promise<string[]> {
    const { rows } = await this.db.query<{ name: string }>("list feed documents", "select name from feed_documents order by name");
    return rows.map((r) => r.name);
  }
}
