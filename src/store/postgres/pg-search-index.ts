import { setImmediate as nextTurn } from "node:timers/promises";
import type { FeedEntry, SearchCandidates, SearchIndexStore, SearchKeys } from "../../core/ports.js";
import type { StoredRelease } from "../../core/release.js";
import { isPairKey, type ReleaseKeys } from "../../core/search-key.js";
import { decodeRelease } from "../release-codec.js";
import { byCode, chunk, type Db, QueryQueue } from "./pg-db.js";
import { pairFilter } from "../pair-filter.js";
import { mayHoldSql } from "./pg-pair-filter.js";

/*
 * The PostgreSQL engine's search index: one row per release with its keys as an array, under a GIN
 * index (and a b-tree in the order search shows, newest first), written in the transaction that
 * stores the release. `pressroom_meta.search_complete` is false while some release is not indexed
 * (stored before the index existed, or by a handle opened without SearchKeys).
 *
 * Only words and `kind:` keys go under the GIN index, not word pairs (`isPairKey`): a release has
 * about twice as many distinct pairs as words, and keeping them under the GIN index was most of the
 * cost of storing a release (20,000 releases: 55 s of inserts with pairs, 15 s without). The pairs
 * go into a Bloom filter per row instead (`pairs`, src/store/pair-filter.ts), which the newest-first walk
 * tests in SQL: a phrase still narrows its candidates to about the releases holding it. The keys
 * are `collate "C"` (schema 6). Since schema 7 the GIN index covers their hashes (`hkeys`,
 * `pressroom_key_hashes` in migrate.ts): a condition asks the hashes, for the index, and the keys,
 * for the answer.
 */

const BATCH = 500;
/**
 * Releases from which one transaction's keys go to the GIN index in bulk: it lets the index's
 * pending list (where GIN collects new entries, merged into the index when the list is full: 4 MB by
 * default) grow to BULK_PENDING, so an import's keys are merged in a few large passes rather than
 * one every 4 MB. Interleaved imports of 20,000 releases: 28.9 s against 35.1–36.7 s (64 MB: 35.6 s).
 * The pool that did so merges what is left when it closes (`mergePendingKeys`); until then a query
 * that asks the GIN index (a rare word) also reads the pending list, and if the process dies first,
 * the next commit or autovacuum merges it.
 */
const BULK_FROM = 256;
const BULK_PENDING = "256MB";
/** Pools whose transactions let the pending list grow. */
const pendingGrown = new WeakSet<Db>();

/** Notes that `db` indexed releases in bulk (`indexReleases` returned true): its close merges the pending list. */
export function notePendingKeys(db: Db, bulk: boolean): void {
  if (bulk) pendingGrown.add(db);
}

/** Merges the GIN index's pending list, when this pool let it grow; gives way to a lock, warns on other failures. */
export async function mergePendingKeys(db: Db): Promise<void> {
  if (!pendingGrown.has(db)) return;
  pendingGrown.delete(db);
  await db.upkeep("merge the search index's pending keys", "select gin_clean_pending_list('search_docs_keys'::regclass)");
}
/** Releases whose keys are made between two turns of the event loop (about 10 ms). */
const KEYS_PER_TURN = 50;
/** Keys are words and `kind:` values: never a newline. */
const SEP = "\n";

/** The keys of a release as this engine keeps them: words and `kind:` keys joined by SEP, and the filter of its pairs. */
function splitKeys(keys: ReleaseKeys): { words: string; pairs: Buffer } {
  return { words: keys.words.join(SEP), pairs: pairFilter(keys.pairs) };
}

/**
 * Queues the indexing of releases in the caller's transaction, or marks the index out of date when
 * there are no keys to index with; resolves once every statement is queued. Keys are made while
 * the server runs the statements queued before (they are most of this process's work in a commit),
 * KEYS_PER_TURN releases at a time: the connection sends its next statement only on a turn of the
 * event loop. The kept keys go as they come (`releaseSearchKeys` gives each once; a key twice in
 * the array would change no answer: the GIN index keeps it once, `&&` asks only whether it is there).
 * True when they went in bulk (BULK_FROM releases or more): the caller passes it to `notePendingKeys`.
 */
export async function indexReleases(client: QueryQueue, releases: readonly StoredRelease[], keys: SearchKeys | undefined): Promise<boolean> {
  if (releases.length === 0) return false;
  if (!keys) {
    // Always an update, so it takes the row's lock: a rebuild holds it, and this commit waits for
    // the rebuild to end rather than land behind its scan and have it marked complete after all.
    client.query("update pressroom_meta set value = 'false' where key = 'search_complete'");
    return false;
  }
  const bulk = releases.length >= BULK_FROM;
  if (bulk) client.query(`set local gin_pending_list_limit = '${BULK_PENDING}'`);
  const byId = new Map(releases.map((r) => [r.id, r]));
  for (const part of chunk([...byId.values()].sort((a, b) => byCode(a.id, b.id)), BATCH)) {
    const split: { words: string; pairs: Buffer }[] = [];
    for (const release of part) {
      if (split.length > 0 && split.length % KEYS_PER_TURN === 0) await nextTurn();
      split.push(splitKeys(keys(release)));
    }
    client.query(
      `insert into search_docs (id, date, updated_at, keys, hkeys, pairs)
       select id, date, upd, ks, pressroom_key_hashes(ks), p
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[]) as t(id, date, upd, k, p), lateral string_to_array(k, E'\\n') as ks
       on conflict (id) do update set date = excluded.date, updated_at = excluded.updated_at, keys = excluded.keys, hkeys = excluded.hkeys, pairs = excluded.pairs`,
      [part.map((r) => r.id), part.map((r) => r.date), part.map((r) => r.updatedAt), split.map((k) => k.words), split.map((k) => k.pairs)],
    );
  }
  return bulk;
}

/** Newest first (what search shows), as the b-tree search_docs_newest holds it. */
const NEWEST = `date collate "C" desc, updated_at collate "C" desc, id`;
/** Rows the newest-first walk reads in one query: at least, and at most. */
const MIN_PAGE = 256;
const MAX_PAGE = 8_192;
/** Below this share of matching rows, the walk hands over to the GIN index (candidates are rare). */
const RARE = 1 / 32;
/** Candidates read per query from the GIN index. */
const RARE_PAGE = 2_000;

interface Row {
  id: string;
  date: string;
  updated_at: string;
}

/**
 * A query's candidates, newest first, read a page at a time. It walks search_docs newest first
 * along the b-tree, testing each row's keys in SQL and shipping only the rows that match (and the
 * last one read, where the next page starts): common words (`asylum AND hotel`, `NOT x`) give their
 * newest candidates after a few hundred rows, and a page reads about as many rows as the wanted
 * candidates take at the share found so far. When a page finds candidates rare, the rest comes from
 * the GIN index (`hkeys && …`, sorted), so a rare word costs its own postings, not a walk through
 * everything.
 */
class PgCandidates implements SearchCandidates {
  private readonly buffer: FeedEntry[] = [];
  /** Ids handed over: a release revised while the walk goes on may come round again (each page is its own snapshot). */
  private readonly seen = new Set<string>();
  /** The last row read, in the newest-first order: the next page starts after it. */
  private after: Row | undefined;
  private rows = 0;
  private hits = 0;
  private rare = false;
  private done = false;

  /**
   * `condition` decides whether a row is a candidate (the walk tests it row by row); `throughIndex` is
   * the same with the hashes the GIN index answers put first (for rare candidates).
   */
  constructor(
    private readonly db: Db,
    private readonly condition: string,
    private readonly throughIndex: string,
    private readonly params: string[][],
    private readonly positive: boolean,
  ) {}

  async next(n: number): Promise<FeedEntry[]> {
    while (this.buffer.length < n && !this.done) await this.read(n - this.buffer.length);
    return this.buffer.splice(0, n);
  }

  private take(r: Row): void {
    if (this.seen.has(r.id)) return;
    this.seen.add(r.id);
    this.buffer.push({ id: r.id, date: r.date, updatedAt: r.updated_at });
  }

  /** `where` for the rows after the last one read: (date, update, id) in the order date desc, update desc, id asc. */
  private afterLast(params: unknown[]): string {
    if (!this.after) return "";
    params.push(this.after.date, this.after.updated_at, this.after.id);
    const [d, u, i] = [params.length - 2, params.length - 1, params.length].map((k) => `$${k}`);
    // `date <=` bounds the b-tree scan; the rest picks up within the last date.
    return `date collate "C" <= ${d} and (date collate "C" < ${d} or updated_at collate "C" < ${u} or (updated_at collate "C" = ${u} and id > ${i}))`;
  }

  private async read(wanted: number): Promise<void> {
    const params: unknown[] = [...this.params];
    const after = this.afterLast(params);
    if (this.rare) {
      params.push(RARE_PAGE);
      const { rows } = await this.db.query<Row>(
        "search the index",
        `select id, date, updated_at from search_docs where ${[this.throughIndex, after].filter(Boolean).join(" and ")} order by ${NEWEST} limit $${params.length}`,
        params,
      );
      for (const r of rows) this.take(r);
      this.after = rows[rows.length - 1] ?? this.after;
      this.done = rows.length < RARE_PAGE;
      return;
    }
    // As many rows as `wanted` candidates take at the share seen so far (a quarter more), within bounds.
    const share = this.rows === 0 ? 1 : Math.max(this.hits, 1) / this.rows;
    const page = Math.min(MAX_PAGE, Math.max(MIN_PAGE, Math.ceil((wanted / share) * 1.25)));
    params.push(page);
    const { rows } = await this.db.query<Row & { hit: boolean; n: string; total: string }>(
      "search the index",
      `select id, date, updated_at, hit, n, total from (
         select id, date, updated_at, ${this.condition || "true"} as hit, row_number() over (order by ${NEWEST}) as n, count(*) over () as total
         from (select id, date, updated_at, keys, pairs from search_docs ${after ? `where ${after}` : ""} order by ${NEWEST} limit $${params.length}) page
       ) x where hit or n = total order by n`,
      params,
    );
    const last = rows[rows.length - 1];
    const read = last ? Number(last.total) : 0;
    let hits = 0;
    for (const r of rows) {
      if (!r.hit) continue;
      hits++;
      this.take(r);
    }
    this.rows += read;
    this.hits += hits;
    this.after = last ?? this.after;
    if (read < page) this.done = true;
    else if (this.positive && this.hits < this.rows * RARE) this.rare = true;
  }
}

export class PgSearchIndex implements SearchIndexStore {
  constructor(private readonly db: Db, private readonly keys: SearchKeys | undefined) {}

  async candidates(clauses: readonly (readonly string[])[], without: readonly string[] = []): Promise<SearchCandidates | undefined> {
    const { rows } = await this.db.query<{ value: string }>("search the index", "select value from pressroom_meta where key = 'search_complete'");
    if (rows[0]?.value !== "true") return undefined;
    // Clauses of words and kind keys go to the GIN index; a clause of word pairs is tested against
    // each row's filter (a row written before schema 6 has none and may hold any pair); a clause
    // mixing the two is left out, which only adds candidates.
    const params: string[][] = [];
    const conditions: string[] = [];
    /** What the GIN index can answer: the clauses' hashes (which `conditions` then make exact). */
    const indexable: string[] = [];
    for (const clause of clauses) {
      const pairs = clause.filter(isPairKey);
      if (pairs.length === 0) {
        params.push([...new Set(clause)]);
        conditions.push(`keys && $${params.length}::text[] collate "C"`);
        indexable.push(`hkeys && pressroom_key_hashes($${params.length}::text[])`);
      } else if (pairs.length === clause.length) {
        conditions.push(`(pairs is null or ${[...new Set(pairs)].map((p) => `(${mayHoldSql("pairs", p)})`).join(" or ")})`);
      }
    }
    const indexed = params.length > 0;
    if (without.length > 0) {
      // `without` holds words and kind keys (a pair here would leave nothing out: none is kept).
      params.push([...new Set(without)]);
      conditions.push(`not (keys && $${params.length}::text[] collate "C")`);
    }
    return new PgCandidates(this.db, conditions.join(" and "), [...indexable, ...conditions].join(" and "), params, indexed);
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
        await new QueryQueue(client).run(async (queue) => notePendingKeys(this.db, await indexReleases(queue, rows.map((r) => decodeRelease(r.data)), keys)));
        n += rows.length;
        after = rows[rows.length - 1]!.id;
      }
      await client.query("update pressroom_meta set value = 'true' where key = 'search_complete'");
      return n;
    });
  }
}
