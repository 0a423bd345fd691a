import type { FeedEntry, SearchIndexStore, SearchKeys } from "../../core/ports.js";
import type { StoredRelease } from "../../core/release.js";
import { byCode, chunk, type Db, type Sql } from "./pg-db.js";

/*
 * The PostgreSQL engine's search index: one row per release with its keys as an array, under a GIN
 * index, written in the transaction that stores the release. `pressroom_meta.search_complete` is
 * false while some release is not indexed (stored before the index existed, or by a handle opened
 * without SearchKeys).
 */

const BATCH = 500;
/** Keys are words and `kind:` values: never a newline. */
const SEP = "\n";

/** Indexes releases in the caller's transaction, or marks the index out of date when there are no keys to index with. */
export async function indexReleases(client: Sql, releases: readonly StoredRelease[], keys: SearchKeys | undefined): Promise<void> {
  if (releases.length === 0) return;
  if (!keys) {
    await client.query("update pressroom_meta set value = 'false' where key = 'search_complete' and value <> 'false'");
    return;
  }
  const byId = new Map(releases.map((r) => [r.id, r]));
  for (const part of chunk([...byId.values()].sort((a, b) => byCode(a.id, b.id)), BATCH)) {
    await client.query(
      `insert into search_docs (id, date, updated_at, keys)
       select id, date, upd, string_to_array(k, E'\\n') from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as t(id, date, upd, k)
       on conflict (id) do update set date = excluded.date, updated_at = excluded.updated_at, keys = excluded.keys`,
      [part.map((r) => r.id), part.map((r) => r.date), part.map((r) => r.updatedAt), part.map((r) => [...new Set(keys(r))].join(SEP))],
    );
  }
}

export class PgSearchIndex implements SearchIndexStore {
  constructor(private readonly db: Db, private readonly keys: SearchKeys | undefined) {}

  async candidates(clauses: readonly (readonly string[])[], without: readonly string[] = []): Promise<FeedEntry[] | undefined> {
    const params: string[][] = clauses.map((c) => [...new Set(c)]);
    const conditions = params.map((_, i) => `keys && $${i + 1}::text[]`);
    if (without.length > 0) {
      params.push([...new Set(without)]);
      conditions.push(`not (keys && $${params.length}::text[])`);
    }
    const where = conditions.join(" and ");
    const { rows } = await this.db.query<{ complete: string | null; id: string | null; date: string; updated_at: string }>(
      "search the index",
      `select m.value as complete, d.id, d.date, d.updated_at
       from pressroom_meta m left join search_docs d on m.value = 'true'${where ? ` and ${where.replaceAll("keys", "d.keys")}` : ""}
       where m.key = 'search_complete'
       order by d.date collate "C" desc, d.updated_at collate "C" desc, d.id`,
      params,
    );
    if (rows[0]?.complete !== "true") return undefined;
    return rows.filter((r) => r.id !== null).map((r) => ({ id: r.id!, date: r.date, updatedAt: r.updated_at }));
  }

  async rebuild(): Promise<number> {
    const keys = this.keys;
    if (!keys) throw new Error("store: the search index cannot be rebuilt by a handle opened without search keys");
    return this.db.tx("rebuild the search index", async (client) => {
      // Commits that would mark the index out of date wait for this one.
      await client.query("select value from pressroom_meta where key = 'search_complete' for update");
      await client.query("delete from search_docs");
      let after = "";
      let n = 0;
      for (;;) {
        const { rows } = await client.query<{ id: string; data: StoredRelease }>("select id, data from releases where id > $1 order by id limit $2", [after, BATCH]);
        if (rows.length === 0) break;
        await indexReleases(client, rows.map((r) => r.data), keys);
        n += rows.length;
        after = rows[rows.length - 1]!.id;
      }
      await client.query("update pressroom_meta set value = 'true' where key = 'search_complete'");
      return n;
    });
  }
}
