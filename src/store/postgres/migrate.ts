import type pg from "pg";
import { PressroomError } from "../../core/errors.js";

/* The schema, versioned in `pressroom_meta` and applied at open under an advisory lock. */

/** One migration: the SQL that takes the schema from `version - 1` to `version`. */
interface Migration {
  readonly version: number;
  readonly sql: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      insert into pressroom_meta (key, value) values ('generation', '0') on conflict (key) do nothing;

      create table releases (
        id text collate "C" primary key,
        month text not null,
        date text not null,
        data jsonb not null
      );
      create index releases_month on releases (month, date, id);
      create table release_keys (
        key text primary key,
        release_id text not null references releases (id) on delete cascade
      );
      create index release_keys_release on release_keys (release_id);
      create table release_titles (
        title_key text not null,
        date text not null,
        release_id text not null references releases (id) on delete cascade,
        primary key (title_key, date, release_id)
      );
      create index release_titles_release on release_titles (release_id);

      create table feeds (name text collate "C" primary key);
      create table feed_entries (
        feed text not null references feeds (name) on delete cascade,
        release_id text collate "C" not null,
        date text not null,
        updated_at text not null,
        primary key (feed, release_id)
      );
      create index feed_entries_order on feed_entries (feed, date desc, updated_at desc, release_id);
      create table feed_dirty (feed text collate "C" primary key);
      create table feed_documents (
        name text collate "C" primary key,
        xml text not null,
        etag text not null,
        updated text not null,
        entries integer not null
      );

      create table sources (id text collate "C" primary key, data jsonb not null);

      create table subscribers (
        email text collate "C" primary key,
        origin text not null,
        created_at text not null,
        topics jsonb not null
      );
      create table seeded (email text collate "C" not null, topic_id text collate "C" not null, primary key (email, topic_id));
      create table pending_subscriptions (
        token text primary key,
        email text not null,
        created_at timestamptz,
        data jsonb not null
      );

      create table deliveries (
        id text collate "C" primary key,
        email text not null,
        status text not null,
        due_at timestamptz not null,
        created_at timestamptz not null,
        claim_owner text,
        claim_until timestamptz,
        batch_id text,
        message_id text,
        finished_at timestamptz,
        data jsonb
      );
      create index deliveries_due on deliveries (due_at, id) where status = 'pending';
      create index deliveries_pending_email on deliveries (email) where status = 'pending';
      create index deliveries_claim_owner on deliveries (claim_owner) where claim_owner is not null;
      create index deliveries_failed on deliveries (finished_at desc) where status = 'failed';
      create index deliveries_status on deliveries (status);

      create table runs (seq bigserial primary key, data jsonb not null);
      create table run_totals (id integer primary key check (id = 1), data jsonb not null);
      insert into run_totals (id, data) values (1, '{"runs":0,"releasesNew":0,"releasesRevised":0,"sourceFailures":0,"deliveriesSent":0,"deliveriesFailed":0,"runSecondsTotal":0}');
    `,
  },
  {
    // Release documents are written whole and read whole, never queried inside: json (text, only
    // validated) costs far less to write and read than jsonb (parsed to binary, and printed back on
    // every read). lz4 compresses big values several times faster than the default pglz.
    version: 2,
    sql: `
      alter table releases alter column data set compression lz4;
      alter table releases alter column data type json using data::json;
      alter table feed_documents alter column xml set compression lz4;
    `,
  },
  {
    // The search index (pg-search-index.ts): complete at once on an empty state, else rebuilt on first use.
    version: 3,
    sql: `
      create table search_docs (
        id text collate "C" primary key references releases (id) on delete cascade,
        date text not null,
        updated_at text not null,
        keys text[] not null
      );
      create index search_docs_keys on search_docs using gin (keys);
      insert into pressroom_meta (key, value)
        select 'search_complete', case when exists (select 1 from releases) then 'false' else 'true' end
        on conflict (key) do nothing;
    `,
  },
  {
    // Search walks the index newest first (the order it shows) while common words match at once.
    version: 4,
    sql: `create index search_docs_newest on search_docs (date collate "C" desc, updated_at collate "C" desc, id);`,
  },
  {
    // A release's last revision may be written as `current` (release-codec.ts): rows written before
    // read as they are; the number keeps an older Pressroom from misreading the new rows.
    version: 5,
    sql: `select 1;`,
  },
  {
    // The search index keeps words and kind keys under the GIN index, and word pairs in a Bloom
    // filter per row (pg-search-index.ts, src/store/pair-filter.ts): pairs were most of the cost of keeping
    // the GIN index on every commit. Rows written before lose their pairs here and have no filter
    // (null: any pair may be there) until they are written again; an older Pressroom, which would
    // look pairs up in the keys, refuses the database. The keys compare as bytes ("C") rather than
    // by the database's collation. The GIN index is built anew once the rows are rewritten (one bulk
    // build rather than an update per row).
    version: 6,
    sql: `
      alter table search_docs add column pairs bytea;
      alter table search_docs alter column pairs set storage external;
      drop index search_docs_keys;
      update search_docs set keys = array(select k from unnest(keys) k where strpos(k, ' ') = 0 or left(k, 5) = 'kind:')
        where exists (select 1 from unnest(keys) k where strpos(k, ' ') > 0 and left(k, 5) <> 'kind:');
      alter table search_docs alter column keys type text[] collate "C";
      create index search_docs_keys on search_docs using gin (keys);
    `,
  },
  {
    // The GIN index covers each key's 32-bit hash (hashtext) rather than its text: inserting 20,000
    // releases' 11 million keys took 17.8 s as text and 14.3 s as hashes beside the text (13.9 s as
    // hashes alone). The text stays, so a query is exact: the index finds rows by hash, the row's
    // keys decide. Writers and queries hash through pressroom_key_hashes, so both hash alike.
    version: 7,
    sql: `
      create function pressroom_key_hashes(text[]) returns int4[]
        language sql immutable strict parallel safe
        as 'select array(select hashtext(k) from unnest($1) k)';
      drop index search_docs_keys;
      alter table search_docs add column hkeys int4[];
      update search_docs set hkeys = pressroom_key_hashes(keys);
      alter table search_docs alter column hkeys set not null;
      create index search_docs_keys on search_docs using gin (hkeys);
    `,
  },
  {
    // A dirty mark has a version, moved on by every commit marking the feed again, so that an
    // instance's publish clears only the marks its render saw (pg-feeds.ts); an older Pressroom
    // would clear them all, so the number keeps it out.
    version: 8,
    sql: `
      create sequence feed_dirty_seq;
      alter table feed_dirty add column seq bigint not null default nextval('feed_dirty_seq');
    `,
  },
  {
    // Topics an address removed (pg-subscriptions.ts): a delivery all of whose topics are here is
    // cancelled when claimed (pg-outbox.ts). A run on another instance may have matched its
    // subscribers before the unsubscribe and queue one after it.
    version: 9,
    sql: `
      create table unsubscribed (
        email text collate "C" not null,
        topic_id text collate "C" not null,
        at timestamptz not null,
        primary key (email, topic_id)
      );
    `,
  },
  {
    // The word terms changed (src/match/tokenize.ts, stem.ts: `-eed` and `-ff` words keep their
    // ending, `ł ø đ œ æ ß þ` fold, soft hyphens and `‘` join a word): rows keyed before may miss
    // such words, so a state holding any is searched without the index until `pressroom search`
    // rebuilds it (as a state from before the index is).
    version: 10,
    sql: `update pressroom_meta set value = 'false' where key = 'search_complete' and exists (select 1 from search_docs);`,
  },
  {
    // Big values are compressed with lz4 rather than pglz: schema 2 set it on the release
    // documents, but changing their type to json there reset it, and the search rows' keys never had
    // it. Importing 20,000 releases took 22-24 s of the server's CPU against 30 s (39-46 s against
    // 48-51 s in all). Values already written stay as they are. A server built without lz4 keeps
    // pglz (the statements fail with feature_not_supported there, and nothing else changes).
    version: 11,
    sql: `
      do $$
      begin
        alter table releases alter column data set compression lz4;
        alter table search_docs alter column keys set compression lz4;
        alter table search_docs alter column hkeys set compression lz4;
      exception when feature_not_supported then
        raise notice 'this PostgreSQL has no lz4: big values stay compressed with pglz';
      end $$;
    `,
  },
  {
    // Finished deliveries are counted as they finish (delivery_counts, kept by triggers in the
    // statement that changes them), so outbox stats (every run, every flush, status, /metrics)
    // count only the queue instead of every delivery ever sent. Each connection counts in rows of
    // its own (slot = its backend pid), so senders acking at once never wait for each other's
    // counts (one shared row per status deadlocked two acks of mixed statuses); the rows of
    // connections gone are folded into slot 0 (pg-outbox.ts). deliveries_status goes: nothing reads
    // it any more, and with statistics that lag after a big enqueue the planner chose it to scan
    // every pending delivery for a claim or an ack of a few.
    version: 12,
    sql: `
      create table delivery_counts (
        status text collate "C" not null,
        slot integer not null,
        n bigint not null,
        primary key (status, slot)
      );
      insert into delivery_counts (status, slot, n) select status, 0, count(*) from deliveries where status <> 'pending' group by status;
      create function pressroom_count_delivery() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') and old.status <> 'pending' then
          insert into delivery_counts (status, slot, n) values (old.status, pg_backend_pid(), -1)
            on conflict (status, slot) do update set n = delivery_counts.n + excluded.n;
        end if;
        if tg_op in ('INSERT', 'UPDATE') and new.status <> 'pending' then
          insert into delivery_counts (status, slot, n) values (new.status, pg_backend_pid(), 1)
            on conflict (status, slot) do update set n = delivery_counts.n + excluded.n;
        end if;
        return null;
      end $$;
      create trigger deliveries_counted_insert after insert on deliveries
        for each row when (new.status <> 'pending') execute function pressroom_count_delivery();
      create trigger deliveries_counted_update after update of status on deliveries
        for each row when (old.status is distinct from new.status) execute function pressroom_count_delivery();
      create trigger deliveries_counted_delete after delete on deliveries
        for each row when (old.status <> 'pending') execute function pressroom_count_delivery();
      drop index deliveries_status;
    `,
  },
];

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Advisory lock key serialising migrations across instances ("pressroom" in ASCII). */
const MIGRATE_LOCK = "7075726573737270";

/** Brings the database to SCHEMA_VERSION (tests: to `upTo`); refuses one written by a newer Pressroom. */
export async function migrate(client: pg.PoolClient | pg.Client, location: string, upTo = SCHEMA_VERSION): Promise<void> {
  await client.query("select pg_advisory_lock($1::bigint)", [MIGRATE_LOCK]);
  try {
    await client.query("create table if not exists pressroom_meta (key text primary key, value text not null)");
    const row = await client.query<{ value: string }>("select value from pressroom_meta where key = 'schema_version'");
    const current = row.rows[0] ? Number(row.rows[0].value) : 0;
    if (!Number.isInteger(current) || current > SCHEMA_VERSION) {
      throw new PressroomError("STATE_SCHEMA", `store: ${location} was written by a newer Pressroom (schema ${row.rows[0]?.value ?? "?"}, this one reads ${SCHEMA_VERSION}); upgrade Pressroom.`);
    }
    for (const m of MIGRATIONS) {
      if (m.version <= current || m.version > upTo) continue;
      await client.query("begin");
      try {
        await client.query(m.sql);
        await client.query("insert into pressroom_meta (key, value) values ('schema_version', $1) on conflict (key) do update set value = excluded.value", [String(m.version)]);
        await client.query("commit");
      } catch (error) {
        await client.query("rollback");
        throw error;
      }
    }
  } finally {
    await client.query("select pg_advisory_unlock($1::bigint)", [MIGRATE_LOCK]);
  }
}
