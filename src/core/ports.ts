import type { ReleaseText, StoredRelease } from "./release.js";
import type { ReleaseKeys } from "./search-key.js";
import type { RunSummary, RunTotals } from "./run.js";
import type { SourceState } from "./source.js";
import type { Delivery, PendingSubscription, Subscriber, Topic } from "./subscription.js";
import type { TextPieces } from "./text-pieces.js";

/*
 * The whole state of Pressroom, as one port with two engines: `store/lowdb` (the embedded
 * default, files under `state/`) and `store/postgres` (several instances on several machines).
 * Only `src/cli/` chooses and opens an engine; everything else receives a `StateStore`.
 * Every write resolves only once it is durable.
 */

/** One entry of a feed's index: enough to order the feed and fetch the release. */
export interface FeedEntry {
  readonly id: string;
  /** London date of the release. */
  readonly date: string;
  /** UTC instant of its latest revision. */
  readonly updatedAt: string;
}

/** A rendered feed as stored and served. */
export interface FeedDocument {
  /** Feed name: `all`, `kinds/speech`, `topics/asylum`, `archive/2023-10`. */
  readonly name: string;
  readonly xml: string;
  /** Strong ETag of the bytes, quoted (`"…"`). */
  readonly etag: string;
  /** UTC instant the bytes last changed. */
  readonly updated: string;
  readonly entries: number;
}

/** A feed to publish: its rendered bytes. The store keeps the old document when the bytes are equal. */
export interface FeedRender {
  readonly name: string;
  /** The document, whole or in pieces (`TextPieces`: an archive feed is rendered as its entries, never joined unless a store needs one string). */
  readonly xml: TextPieces;
  readonly entries: number;
}

/** An entry put in a feed. */
export interface Placement {
  readonly feed: string;
  readonly entry: FeedEntry;
  /**
   * Placed only if the stored release still has `entry.updatedAt` when the commit is written: a
   * release read before the commit (a topic feed's refill), which another instance may have revised
   * since, out of the feed. The releases of the commit itself count as stored.
   */
  readonly ifCurrent?: boolean;
}

/**
 * One unit of work, committed all or nothing: a source's new and revised releases, their places in
 * the feeds, the feeds to re-render, the deliveries it queued and the source's cursor and health.
 */
export interface StateCommit {
  readonly releases?: readonly StoredRelease[];
  readonly placements?: readonly Placement[];
  /**
   * Entries taken out of feeds: a revised release no longer matching a topic feed's query. The
   * caller decides them, as it does placements; one commit never both places and removes a release
   * in the same feed. Removing an entry a feed does not hold changes nothing.
   */
  readonly removals?: readonly { readonly feed: string; readonly id: string }[];
  /** Feeds that exist even when empty (a topic that matches nothing yet). */
  readonly ensureFeeds?: readonly string[];
  /** Feeds to (re)render after this commit. */
  readonly dirty?: readonly string[];
  readonly deliveries?: readonly Delivery[];
  readonly source?: SourceState;
}

export interface CommitResult {
  /** Deliveries added (those recorded before, in any status, are never queued again). */
  readonly enqueued: number;
  /** Feeds whose entry lists changed (placed in, or taken out of). */
  readonly placedFeeds: readonly string[];
}

/** A title key and a window of London dates (inclusive). */
export interface TitleLookup {
  readonly titleKey: string;
  readonly from: string;
  readonly to: string;
}

export interface ReleaseStore {
  /** Stored releases reachable by identity keys (`id:…`, `url:…`, `item:…`, see core/identity): key → release. */
  byKeys(keys: readonly string[]): Promise<Map<string, StoredRelease>>;
  /**
   * For each lookup (answers in the same order), the stored releases whose current or earlier title
   * has the title key, dated from `from` to `to` (London dates, inclusive). One call per batch: a
   * chunk of new items costs one query, not one per item.
   */
  byTitleKeys(lookups: readonly TitleLookup[]): Promise<StoredRelease[][]>;
  get(id: string): Promise<StoredRelease | undefined>;
  /** Releases by id, in the order given; unknown ids are skipped. */
  getMany(ids: readonly string[]): Promise<StoredRelease[]>;
  inMonth(month: string): Promise<StoredRelease[]>;
  /** Months (`YYYY-MM`) that hold releases, oldest first. */
  months(): Promise<string[]>;
  count(): Promise<number>;
  /** Every release, newest month first, a month at a time. */
  all(): AsyncIterable<StoredRelease>;
}

/**
 * The keys (terms, `kind:` keys) a release is found by in search; the engine stores them with the
 * release. `from` says where a worker thread can import the same function (a module's URL and the
 * export's name), so an engine may make keys off the main thread; without it keys are made in-thread.
 */
export type SearchKeys = ((release: ReleaseText) => ReleaseKeys) & { readonly from?: { readonly module: string; readonly name: string } };

/**
 * A query's candidates from the persisted search index, newest first (London date, latest update,
 * then id), handed over a batch at a time: a caller that needs only the newest few matches reads
 * only as far as it must, and the engine finds no more than that.
 */
export interface SearchCandidates {
  /** Up to `n` more entries; fewer once the end is near, none after it. */
  next(n: number): Promise<FeedEntry[]>;
}

/**
 * The persisted search index (an inverted index: key → releases holding it), kept up to date by
 * every commit that stores releases, in the same unit of work. It names candidates only: a caller
 * loads them and tests its query.
 */
export interface SearchIndexStore {
  /**
   * Entries (id, London date, latest update) of the releases whose current text holds at least one
   * key of every clause; of every release when `clauses` is empty; leaving out those whose current
   * text holds any key of `without` (a query's `AND NOT word`). `undefined` when the index does not
   * cover the state (written before the index existed, or by a handle opened without `SearchKeys`):
   * `rebuild` it, or search without it. An engine that keeps no word pairs (`isPairKey`; PostgreSQL)
   * leaves out a clause naming one, so it may name more releases, never fewer.
   */
  candidates(clauses: readonly (readonly string[])[], without?: readonly string[]): Promise<SearchCandidates | undefined>;
  /** Indexes every stored release anew (durably), so `candidates` answers again. Needs `SearchKeys`. */
  rebuild(): Promise<number>;
}

/** A feed's dirty mark and its version (see `FeedStore.dirtyMarks`). */
export interface DirtyMark {
  readonly feed: string;
  readonly version: string;
}

export interface FeedStore {
  /** Newest entries of a feed (capped by the store's `feedEntries`), newest first. */
  entries(feed: string): Promise<FeedEntry[]>;
  /** Names of feeds that have an entry list. */
  names(): Promise<string[]>;
  has(feed: string): Promise<boolean>;
  /** Feeds waiting to be (re)rendered. */
  dirty(): Promise<string[]>;
  /**
   * The dirty marks with their versions: a commit marking a feed again moves its version on (on
   * PostgreSQL, where another instance may commit while this one renders; lowdb has one writer at
   * a time and gives "").
   */
  dirtyMarks(): Promise<DirtyMark[]>;
  /**
   * Stores rendered feeds and clears the dirty marks of `clean` (the feeds rendered), in one unit.
   * A mark given with its version is cleared only while it still has that version; if it moved on
   * (marked again after the render read the feed, or cleared by another instance's publish), the
   * feed's render is not stored and the mark stays: the newer state is rendered by whoever marked it.
   * Returns the names whose bytes changed (only those are rewritten).
   */
  publish(renders: readonly FeedRender[], clean: readonly (string | DirtyMark)[]): Promise<string[]>;
  get(name: string): Promise<FeedDocument | undefined>;
  /** Names of stored feed documents. */
  documents(): Promise<string[]>;
}

export interface SourceStore {
  /** The source's state; a fresh one for a source never seen. */
  get(id: string): Promise<SourceState>;
  list(): Promise<SourceState[]>;
  /** Records health alone (a failed read); a successful read is recorded by `commit`. */
  put(state: SourceState): Promise<void>;
}

/** Result of removing topics: how many topics went, and how many queued deliveries were cancelled with them. */
export interface UnsubscribeResult {
  readonly removedTopics: number;
  readonly cancelled: number;
}

/**
 * A subscriber's request from the web that must never wait for a run: one-click unsubscribe, or a
 * confirmation (its pending token and the topic it adds).
 */
export type SubscriptionRequest =
  | { readonly type: "remove"; readonly email: string; readonly topicId?: string }
  | { readonly type: "confirm"; readonly token: string; readonly email: string; readonly topic: Topic };

/**
 * The one subscription service: CLI, web pages and config seeding all go through it. Each method
 * is one unit of work; removing a topic cancels the queued deliveries only it matched, in the
 * same unit, so no alert for it goes out afterwards.
 */
export interface SubscriptionStore {
  list(): Promise<Subscriber[]>;
  /** Every subscriber, `size` at a time (by address), so a reader never holds them all; same set as `list`. */
  pages?(size: number): AsyncIterable<Subscriber[]>;
  count(): Promise<number>;
  get(email: string): Promise<Subscriber | undefined>;
  /** Adds or replaces a topic (by id) of an address, creating the subscriber with `origin` if new. */
  addTopic(email: string, topic: Topic, origin: Subscriber["origin"]): Promise<Subscriber>;
  /** Removes one topic, or every topic when `topicId` is undefined. */
  removeTopics(email: string, topicId?: string): Promise<UnsubscribeResult>;
  /**
   * Config seeding: adds each topic this address was never seeded with, and remembers it was seeded,
   * so an unsubscribe sticks. Returns the topics added.
   */
  seed(email: string, topics: readonly Topic[]): Promise<number>;
  putPending(pending: PendingSubscription): Promise<void>;
  /** Removes and returns a pending confirmation. */
  takePending(token: string): Promise<PendingSubscription | undefined>;
  /** A pending confirmation, left in place. */
  getPending(token: string): Promise<PendingSubscription | undefined>;
  /**
   * Records a request durably at once, even while a run holds the state, and applies it then or at
   * the engine's next opportunity — always before any further alert to its address is claimed.
   * Resolves once the request is durable, with `applied`: true once it has been applied, false if it
   * was left queued for later (PostgreSQL applies it in its own transaction before resolving).
   */
  request(change: SubscriptionRequest): Promise<{ readonly applied: Promise<boolean> }>;
  /** Drops pending confirmations created before `olderThan`; returns how many. */
  prunePending(olderThan: Date): Promise<number>;
  countPending(): Promise<number>;
}

/** What becomes of a claimed delivery. */
export type OutboxAck =
  | { readonly id: string; readonly status: "sent"; readonly sentAt: string }
  | { readonly id: string; readonly status: "failed"; readonly error: string; readonly attempts: number }
  | { readonly id: string; readonly status: "retry"; readonly dueAt: string; readonly error: string; readonly attempts: number };

export interface OutboxStats {
  readonly pending: number;
  /** Pending and due now. */
  readonly due: number;
  /** `createdAt` of the oldest pending delivery. */
  readonly oldestPendingAt?: string;
  readonly sent: number;
  readonly failed: number;
  readonly cancelled: number;
}

/**
 * The outbox is a queue: a sender claims due work, sends, and acknowledges. A claim that is never
 * acknowledged (its sender died) comes back when its lease ends.
 */
export interface OutboxStore {
  /** Queues deliveries not recorded before (in any status, ever). Returns how many were added. */
  enqueue(deliveries: readonly Delivery[]): Promise<number>;
  /**
   * Claims the due, unclaimed pending deliveries of up to `limit` addresses (all of each address's
   * due deliveries, so a digest is never split), oldest due first, for `leaseMs`.
   */
  claimDue(owner: string, leaseMs: number, limit: number, now: Date): Promise<Delivery[]>;
  /** Records, durably and before the send, the batch and Message-ID of claimed deliveries. */
  assignBatch(ids: readonly string[], batchId: string, messageId: string): Promise<void>;
  /** `assignBatch` for many messages in one durable write (a concurrent sender records a claim's batches at once). */
  assignBatches(batches: readonly { readonly ids: readonly string[]; readonly batchId: string; readonly messageId: string }[]): Promise<void>;
  /**
   * Acknowledges claimed deliveries in one durable write and ends their claims. A delivery no longer
   * pending (cancelled by an unsubscribe, or sent by another sender after this one's lease ran out)
   * keeps its status: a late ack changes nothing. The batch assignments above skip such too.
   */
  ack(acks: readonly OutboxAck[]): Promise<void>;
  /** Gives back every claim of `owner` without an outcome. */
  releaseClaims(owner: string): Promise<void>;
  stats(now: Date): Promise<OutboxStats>;
  /** Pending deliveries (status, tests); at most `limit`, oldest due first. */
  pending(limit?: number): Promise<Delivery[]>;
  get(id: string): Promise<Delivery | undefined>;
  /** Most recent failed deliveries, newest first. */
  recentFailures(limit: number): Promise<Delivery[]>;
}

export interface RunStore {
  record(run: RunSummary): Promise<void>;
  last(): Promise<RunSummary | undefined>;
  recent(limit: number): Promise<RunSummary[]>;
  totals(): Promise<RunTotals>;
}

/**
 * Named leases: one holder at a time across every instance (a source is polled by one instance at
 * a time). lowdb's state lock already makes its process the only writer.
 */
export interface LeaseStore {
  /** Runs `work` holding the lease, or returns `{ held: false }` at once if another holder has it. */
  withLease<T>(name: string, work: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }>;
}

/** One record of a whole-state copy (`pressroom copy-state`). */
export type StateRecord =
  | { readonly type: "release"; readonly release: StoredRelease }
  | { readonly type: "feed-entries"; readonly feed: string; readonly entries: readonly FeedEntry[] }
  | { readonly type: "feed-document"; readonly document: FeedDocument }
  | { readonly type: "dirty"; readonly feeds: readonly string[] }
  | { readonly type: "source"; readonly state: SourceState }
  | { readonly type: "subscriber"; readonly subscriber: Subscriber }
  | { readonly type: "seeded"; readonly email: string; readonly topicIds: readonly string[] }
  | { readonly type: "pending"; readonly pending: PendingSubscription }
  | { readonly type: "delivery"; readonly delivery: Delivery }
  | { readonly type: "run"; readonly run: RunSummary }
  | { readonly type: "totals"; readonly totals: RunTotals }
  | { readonly type: "secret"; readonly secret: string };

export interface StateStore {
  readonly engine: "lowdb" | "postgres";
  /** Items the pipeline commits per unit of work: the engine's balance of memory against time per commit. */
  readonly itemsPerUnit: number;
  /** Where the state lives, for messages (`state folder /srv/pressroom/state`, `postgres://host/db`); no password. */
  readonly location: string;
  readonly releases: ReleaseStore;
  readonly feeds: FeedStore;
  readonly sources: SourceStore;
  readonly subscriptions: SubscriptionStore;
  readonly outbox: OutboxStore;
  readonly runs: RunStore;
  readonly leases: LeaseStore;
  readonly search: SearchIndexStore;
  /** Commits one unit of work, all or nothing. */
  commit(change: StateCommit): Promise<CommitResult>;
  /**
   * The unsubscribe-token secret shared by every instance: `fromEnv` when given (PRESSROOM_SECRET),
   * else the one created once in the state.
   */
  secret(fromEnv?: string): Promise<string>;
  /** Changes whenever a commit or publish changes what the state holds; cheap to read. */
  generation(): Promise<string>;
  /** Whether the state holds nothing (copy-state refuses a non-empty target). */
  isEmpty(): Promise<boolean>;
  /** Every record, for copy-state. */
  exportRecords(): AsyncIterable<StateRecord>;
  /** Loads records into an empty state; returns counts by record type. */
  importRecords(records: AsyncIterable<StateRecord>): Promise<Record<string, number>>;
  close(): Promise<void>;
}
