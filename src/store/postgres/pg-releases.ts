import { storedKeys, titleKeysOf } from "../../core/identity.js";
import type { ReleaseStore, TitleLookup } from "../../core/ports.js";
import type { StoredRelease } from "../../core/release.js";
import { decodeRelease, encodeRelease } from "../release-codec.js";
import { byCode, chunk, type Db, type QueryQueue } from "./pg-db.js";

const BATCH = 500;

/**
 * Queues the writes of releases with their identity keys and title keys (a release's old keys and
 * titles are replaced); they are done once the queue is.
 */
export function upsertReleases(client: QueryQueue, releases: readonly StoredRelease[]): void {
  const byId = new Map(releases.map((r) => [r.id, r]));
  // Rows are written in id order, so two instances committing the same releases cannot deadlock.
  for (const part of chunk([...byId.values()].sort((a, b) => byCode(a.id, b.id)), BATCH)) {
    const ids = part.map((r) => r.id);
    // One parameter per value (a multi-row VALUES): big documents are sent as they are, not escaped
    // into an array literal the server must then take apart.
    client.query(
      `insert into releases (id, month, date, data)
       values ${part.map((_, i) => `($${4 * i + 1}, $${4 * i + 2}, $${4 * i + 3}, $${4 * i + 4}::json)`).join(", ")}
       on conflict (id) do update set month = excluded.month, date = excluded.date, data = excluded.data`,
      part.flatMap((r) => [r.id, r.date.slice(0, 7), r.date, JSON.stringify(encodeRelease(r))]),
    );
    client.query("delete from release_keys where release_id = any($1::text[])", [ids]);
    client.query("delete from release_titles where release_id = any($1::text[])", [ids]);
    const keys = new Map<string, string>();
    const titles: { k: string; d: string; r: string }[] = [];
    for (const r of part) {
      for (const key of storedKeys(r)) keys.set(key, r.id);
      for (const k of titleKeysOf(r)) titles.push({ k, d: r.date, r: r.id });
    }
    const sortedKeys = [...keys].sort(([a], [b]) => byCode(a, b));
    client.query(
      `insert into release_keys (key, release_id) select * from unnest($1::text[], $2::text[])
       on conflict (key) do update set release_id = excluded.release_id`,
      [sortedKeys.map(([k]) => k), sortedKeys.map(([, id]) => id)],
    );
    client.query(
      `insert into release_titles (title_key, date, release_id) select * from unnest($1::text[], $2::text[], $3::text[]) on conflict do nothing`,
      [titles.map((t) => t.k), titles.map((t) => t.d), titles.map((t) => t.r)],
    );
  }
}

/** Releases: one row per release (JSON), a key → id table, and a title-key index with dates. */
export class PgReleaseStore implements ReleaseStore {
  constructor(private readonly db: Db) {}

  async byKeys(keys: readonly string[]): Promise<Map<string, StoredRelease>> {
    const out = new Map<string, StoredRelease>();
    if (keys.length === 0) return out;
    const { rows } = await this.db.query<{ key: string; data: StoredRelease }>(
      "look up releases",
      "select k.key, r.data from release_keys k join releases r on r.id = k.release_id where k.key = any($1::text[])",
      [[...new Set(keys)]],
    );
    for (const row of rows) out.set(row.key, decodeRelease(row.data));
    return out;
  }

  async byTitleKeys(lookups: readonly TitleLookup[]): Promise<StoredRelease[][]> {
    const out: StoredRelease[][] = lookups.map(() => []);
    if (lookups.length === 0) return out;
    const { rows } = await this.db.query<{ n: string; data: StoredRelease }>(
      "look up releases by title",
      `select hit.n, r.data
         from (select distinct l.n, rt.release_id
                 from unnest($1::text[], $2::text[], $3::text[]) with ordinality as l(title_key, f, t, n)
                 join release_titles rt on rt.title_key = l.title_key and rt.date between l.f and l.t) hit
         join releases r on r.id = hit.release_id
        order by hit.n, r.date, r.id`,
      [lookups.map((l) => l.titleKey), lookups.map((l) => l.from), lookups.map((l) => l.to)],
    );
    for (const row of rows) out[Number(row.n) - 1]!.push(decodeRelease(row.data));
    return out;
  }

  async get(id: string): Promise<StoredRelease | undefined> {
    const { rows } = await this.db.query<{ data: StoredRelease }>("read a release", "select data from releases where id = $1", [id]);
    return rows[0] && decodeRelease(rows[0].data);
  }

  async getMany(ids: readonly string[]): Promise<StoredRelease[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<{ id: string; data: StoredRelease }>("read releases", "select id, data from releases where id = any($1::text[])", [[...new Set(ids)]]);
    const byId = new Map(rows.map((r) => [r.id, decodeRelease(r.data)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async inMonth(month: string): Promise<StoredRelease[]> {
    const { rows } = await this.db.query<{ data: StoredRelease }>("read a month of releases", "select data from releases where month = $1 order by date, id", [month]);
    return rows.map((r) => decodeRelease(r.data));
  }

  async months(): Promise<string[]> {
    // A skip scan of the (month, date, id) index: one probe per month, however many releases.
    const { rows } = await this.db.query<{ month: string }>(
      "list release months",
      `with recursive m (month) as (
         (select month from releases order by month limit 1)
         union all
         select (select r.month from releases r where r.month > m.month order by r.month limit 1) from m where m.month is not null
       )
       select month from m where month is not null`,
    );
    return rows.map((r) => r.month);
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>("count releases", "select count(*) as n from releases");
    return Number(rows[0]?.n ?? 0);
  }

  async *all(): AsyncGenerator<StoredRelease> {
    for (const month of (await this.months()).reverse()) yield* await this.inMonth(month);
  }
}
