import pg from "pg";
import type { Clock } from "../../core/clock.js";
import { describeError, PressroomError } from "../../core/errors.js";
import { silentLogger, type Logger } from "../../core/logger.js";
import type { SearchKeys, StateStore } from "../../core/ports.js";
import { migrate } from "./migrate.js";
import { commitChange } from "./pg-commit.js";
import { exportState, importState, isEmptyState } from "./pg-copy.js";
import { Db, redactUrl } from "./pg-db.js";
import { PgFeedStore } from "./pg-feeds.js";
import { PgLeaseStore } from "./pg-leases.js";
import { readGeneration, readSecret } from "./pg-meta.js";
import { PgOutboxStore } from "./pg-outbox.js";
import { PgReleaseStore } from "./pg-releases.js";
import { PgRunStore } from "./pg-runs.js";
import { mergePendingKeys, PgSearchIndex } from "./pg-search-index.js";
import { PgSourceStore } from "./pg-sources.js";
import { PgSubscriptionStore } from "./pg-subscriptions.js";

export interface PostgresStateOptions {
  readonly clock: Clock;
  /** Entries kept per feed (default 50). */
  readonly feedEntries?: number;
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  readonly log?: Logger;
  /** The command running (`run`, `serve`, `daemon`): the connections' application_name. */
  readonly command?: string;
  /** Keys a release is found by: each commit indexes its releases with them (without, the index is marked out of date). */
  readonly searchKeys?: SearchKeys;
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Items per unit of work (see StateStore.itemsPerUnit): one transaction each. With units of 500,
 * 100,000 realistic releases took 653 s against 595 s with 1,000, and peaked at 277 MB against
 * 300 MB of RSS (`npm run bench -- state import`): memory is not what PostgreSQL's import is short of.
 */
const POSTGRES_ITEMS_PER_UNIT = 1_000;

/** Connections for leases: a run polls at most 16 sources at once (config `concurrency`), with room to spare. */
const LEASE_CONNECTIONS = 20;

/** Removes the password (and the URL, which may carry it) from a driver's message. */
function cleanReason(reason: string, url: string): string {
  let out = reason.split(url).join(redactUrl(url));
  try {
    const password = decodeURIComponent(new URL(url).password);
    if (password.length >= 4) out = out.split(password).join("***");
  } catch {
    // not a URL: nothing more to strip
  }
  return out;
}

/** Opens the PostgreSQL engine: a pool, the schema brought up to date, the port over it. */
export async function openPostgresState(url: string, options: PostgresStateOptions): Promise<StateStore> {
  const location = redactUrl(url);
  const log = options.log ?? silentLogger;
  const feedEntries = options.feedEntries ?? 50;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: `pressroom${options.command ? ` ${options.command}` : ""}`,
  });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on("error", (error) => log.warn("postgres connection lost", { location, error: cleanReason(describeError(error), url) }));
  // A lease holds its connection while its work runs, and that work takes connections of its own:
  // leases come from a pool of their own, so ten sources polled at once cannot use up the other.
  const leasePool = new pg.Pool({
    connectionString: url,
    max: LEASE_CONNECTIONS,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: `pressroom${options.command ? ` ${options.command}` : ""} (leases)`,
  });
  leasePool.on("error", (error) => log.warn("postgres connection lost", { location, error: cleanReason(describeError(error), url) }));

  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end().catch(() => {});
    await leasePool.end().catch(() => {});
    throw new PressroomError("STATE_IO", `store: unable to connect to ${location}: ${cleanReason(describeError(error), url)}`);
  }
  try {
    await migrate(client, location);
  } catch (error) {
    client.release(true);
    await pool.end().catch(() => {});
    await leasePool.end().catch(() => {});
    if (error instanceof PressroomError) throw error;
    throw new PressroomError("STATE_IO", `store: unable to prepare the schema in ${location}: ${cleanReason(describeError(error), url)}`);
  }
  client.release();

  const db = new Db(pool, location, log);
  let closed = false;
  return {
    engine: "postgres",
    itemsPerUnit: POSTGRES_ITEMS_PER_UNIT,
    location,
    releases: new PgReleaseStore(db),
    feeds: new PgFeedStore(db, options.clock, feedEntries),
    sources: new PgSourceStore(db),
    subscriptions: new PgSubscriptionStore(db, options.clock),
    outbox: new PgOutboxStore(db, options.clock),
    runs: new PgRunStore(db),
    leases: new PgLeaseStore(new Db(leasePool, location, log)),
    search: new PgSearchIndex(db, options.searchKeys),
    commit: (change) => commitChange(db, change, feedEntries, options.searchKeys),
    secret: (fromEnv) => readSecret(db, fromEnv),
    generation: () => readGeneration(db),
    isEmpty: () => isEmptyState(db),
    exportRecords: () => exportState(db),
    importRecords: (records) => importState(db, records, feedEntries, options.searchKeys),
    close: async () => {
      if (closed) return;
      closed = true;
      // An import's keys left in the GIN index's pending list are merged before the pool goes.
      await mergePendingKeys(db);
      await leasePool.end();
      await pool.end();
    },
  };
}
