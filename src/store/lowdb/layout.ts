import { createHash } from "node:crypto";
import { PressroomError } from "../../core/errors.js";

/*
 * The state folder (schema 3; folders 0700, files 0600). Every file is JSON written whole (unique
 * temp + fsync + rename + folder fsync), except the outbox's fsynced append-only logs and the
 * .atom documents.
 *
 *   meta.json                     {schemaVersion: 3, createdAt}
 *   state.lock, state.lock.lock/  proper-lockfile's lock folder; owner.json inside names pid, host, command
 *   journal.json                  only while a unit of work is applied (sha256 line + the unit)
 *   generation                    counter bumped by commit and publish
 *   index-unsynced.json           {bootId, since} while keys/ and titles/ writes are not all fsynced (index-sync.ts)
 *   changes                       hint touched (not fsynced) after every write, for shared-mode readers
 *   secret.key                    unsubscribe-token secret, created once with O_EXCL, 0600
 *   releases/YYYY-MM.json         {releases: {id: StoredRelease}} one London month (release-codec.ts)
 *   releases/YYYY-MM.N.json       piece N (1, 2, …) of a month: releases added or revised since the month
 *                                 file was last written whole; a later piece supersedes an earlier one
 *   releases/months.json          {months: {YYYY-MM: count}, pieces: {YYYY-MM: N}}
 *   keys/m-YYYY-MM.json           {keys: {"id:" key: [id, month]}} of the ids minted in that month
 *   keys/xx.json                  {keys: {identity key: [id, month]}} every other key: 256 SHA-1 shards
 *   titles/m-YYYY-MM.json         {titles: {title key: [[id, month, date]]}} of the releases of that month
 *   feed-index/<name>.json        {name, entries} newest feedEntries of one feed (name URI-encoded)
 *   dirty-feeds.json              {dirty: [feed]}
 *   feeds.json                    {docs: {feed: {etag, updated, entries, sha}}}
 *   feeds/<name>.atom             the rendered documents, servable as static files
 *   sources.json                  {sources: {id: SourceState}}
 *   runs.json                     {last, recent: 50 newest, totals}
 *   subscriptions/xx.json         {subscribers: {email: Subscriber}, seeded: {email: [topic id]}} 256 shards
 *   pending.json                  {pending: {token: PendingSubscription}}
 *   requests.jsonl                web unsubscribes/confirmations appended without the lock, applied at the next write
 *   requests.applying.jsonl       the same, moved aside while being applied
 *   queue/log.jsonl               events (put, assign, ack, cancel) of live deliveries
 *   queue/done.tsv                id, status, day of every delivery moved out of the log
 *   queue/history/YYYY-MM-DD.jsonl  final records of finished deliveries
 *   queue/failed.jsonl            final records of failed deliveries, oldest finish first (recentFailures reads its end)
 */
/**
 * 3: a release's last revision may be written as `current` (release-codec.ts).
 * 4: a month may have pieces (`monthPieceFile`) beside its file, listed in `releases/months.json`.
 * 5: `queue/failed.jsonl` is in finishing order, oldest first (the outbox reads only its end).
 */
export const SCHEMA_VERSION = 5;
export const META = "meta.json";
export const JOURNAL = "journal.json";
export const GENERATION = "generation";
/** Present while key/title index writes may not be fsynced yet (see index-sync.ts). */
export const INDEX_UNSYNCED = "index-unsynced.json";
/** Touched (not fsynced) by every write, so a shared-mode reader notices any change cheaply. */
export const CHANGES = "changes";
export const LOCK = "state.lock";
export const SECRET = "secret.key";
export const MONTHS = "releases/months.json";
export const monthFile = (month: string): string => `releases/${month}.json`;
export const monthPieceFile = (month: string, n: number): string => `releases/${month}.${n}.json`;
/** A month file or one of its pieces. */
export const isMonthFile = (rel: string): boolean => /^releases\/\d{4}-\d{2}(\.\d+)?\.json$/.test(rel);
/** The month and piece number (0: the month file itself) of a file name under releases/; undefined for any other file. */
export function monthFileOf(name: string): { month: string; piece: number } | undefined {
  const m = /^(\d{4}-\d{2})(?:\.(\d+))?\.json$/.exec(name);
  return m ? { month: m[1]!, piece: m[2] === undefined ? 0 : Number(m[2]) } : undefined;
}
const ID_MONTH = /^tag:[^,]*,(\d{4}-\d{2})-\d{2}:/;
/** The month a canonical id was minted in (`tag:authority,YYYY-MM-DD:…`): where its release most likely is. */
export const idMonth = (id: string): string | undefined => ID_MONTH.exec(id)?.[1];
/**
 * The index file of an identity key: an `id:` key in the file of the month its id was minted in
 * (a commit of releases from a few months touches a few files, however many are stored), any other
 * key (URLs, source item ids: a source's few items a run) in one of 256 hash shards.
 */
export function keyShardFile(key: string): string {
  const month = key.startsWith("id:") ? idMonth(key.slice(3)) : undefined;
  return month ? `keys/m-${month}.json` : `keys/${shardOf(key)}.json`;
}
/** The index file of a title key of a release of `month` (a lookup by title names its dates). */
export const titleShardFile = (month: string): string => `titles/m-${month}.json`;
/** The key and title index files of one month: held a few at a time, like month files. */
export const isMonthIndexFile = (rel: string): boolean => /^(keys|titles)\/m-\d{4}-\d{2}\.json$/.test(rel);
/** Stored feed documents: etag, updated, entries, content hash. */
export const FEEDS = "feeds.json";
/** Feeds waiting to be (re)rendered. */
export const DIRTY = "dirty-feeds.json";
export const feedIndexFile = (feed: string): string => `feed-index/${encodeURIComponent(feed)}.json`;
export const feedXmlFile = (feed: string): string => `feeds/${checkFeedName(feed)}.atom`;
export const SOURCES = "sources.json";
export const RUNS = "runs.json";
export const subscriberShardFile = (email: string): string => `subscriptions/${shardOf(email)}.json`;
export const PENDING = "pending.json";
/** Subscription requests from the web, appended (fsynced) without the lock; see `LowSubscriptions.request`. */
export const REQUESTS = "requests.jsonl";
export const REQUESTS_APPLYING = "requests.applying.jsonl";
export const OUTBOX_LOG = "queue/log.jsonl";
/** `id<TAB>status<TAB>day` of every delivery whose history moved out of the log. */
export const OUTBOX_DONE = "queue/done.tsv";
export const OUTBOX_FAILED = "queue/failed.jsonl";
export const historyFile = (day: string): string => `queue/history/${day}.jsonl`;

/** 256 shards by the first byte of a SHA-1. */
export function shardOf(key: string): string {
  return createHash("sha1").update(key).digest("hex").slice(0, 2);
}

export const monthOf = (date: string): string => date.slice(0, 7);

const FEED_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Feed names become paths under feeds/: no `..`, no absolute paths. */
export function checkFeedName(name: string): string {
  if (!FEED_NAME.test(name) || name.split("/").some((p) => p.includes(".."))) {
    throw new PressroomError("USAGE", `store: "${name}" is not a feed name (letters, digits, ".", "_", "-", separated by "/")`);
  }
  return name;
}
