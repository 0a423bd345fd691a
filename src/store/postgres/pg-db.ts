import pg from "pg";
import { describeError, PressroomError } from "../../core/errors.js";
import { silentLogger, type Logger } from "../../core/logger.js";

/** A pool or a client inside a transaction: both run queries. */
export type Sql = pg.Pool | pg.PoolClient;

/** `store: unable to <verb> in <location>: <reason>`, unless the error already is a PressroomError. */
export function storeError(verb: string, location: string, error: unknown): PressroomError {
  if (error instanceof PressroomError) return error;
  return new PressroomError("STATE_IO", `store: unable to ${verb} in ${location}: ${describeError(error)}`, { cause: error });
}

/** The pool plus where it points, so every failure names the database (never its password). */
export class Db {
  constructor(readonly pool: pg.Pool, readonly location: string, private readonly log: Logger = silentLogger) {}

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(verb: string, text: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, params);
    } catch (error) {
      throw storeError(verb, this.location, error);
    }
  }

  /**
   * Upkeep that may fail without harm (statistics): a failure is logged, never thrown. It waits at
   * most UPKEEP_LOCK_WAIT for its locks, then gives up: behind a VACUUM of the same table the caller
   * would otherwise wait for its whole length (autovacuum's against wraparound is never cancelled for
   * others), or 1 s (deadlock_timeout) for an ordinary autovacuum to be cancelled, which then
   * starts over: the delivery bench's warm enqueue of 9,926 alerts took 1,955 ms instead of 684.
   * Says how it went: `gave way` to a lock (the caller may try again later), or `failed` otherwise.
   */
  async upkeep(verb: string, text: string): Promise<"done" | "gave way" | "failed"> {
    try {
      await this.tx(verb, async (client) => {
        await client.query(`set local lock_timeout = '${UPKEEP_LOCK_WAIT}'`);
        await client.query(text);
      });
      return "done";
    } catch (error) {
      // Giving way to a VACUUM is the plan, not a fault: only other failures (a role that does not own the table) warn.
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      (code === LOCK_NOT_AVAILABLE ? this.log.debug : this.log.warn).call(this.log, `postgres: unable to ${verb}`, { location: this.location, error: describeError(error) });
      return code === LOCK_NOT_AVAILABLE ? "gave way" : "failed";
    }
  }

  /**
   * A client of its own (transactions, leases). While checked out, a dropped connection is reported
   * on the client, not the pool: it is logged here (the pending query fails on its own) instead of
   * crashing the process as an unhandled 'error' event.
   */
  async checkout(verb: string): Promise<{ client: pg.PoolClient; release(broken?: Error | boolean): void }> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw storeError(verb, this.location, error);
    }
    const onError = (error: Error) => this.log.warn("postgres connection lost", { location: this.location, error: error.message });
    client.on("error", onError);
    return {
      client,
      release: (broken) => {
        client.off("error", onError);
        client.release(broken);
      },
    };
  }

  /**
   * One statement on its own (its own transaction), retried like `tx` on a deadlock or a
   * serialization failure.
   */
  async statement<R extends pg.QueryResultRow = pg.QueryResultRow>(verb: string, text: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.query<R>(verb, text, params);
      } catch (error) {
        const code = (error as { cause?: { code?: unknown } }).cause?.code;
        if (attempt >= RETRIES || (code !== "40P01" && code !== "40001")) throw error;
        this.log.debug("postgres statement retried", { location: this.location, verb, code, attempt });
      }
    }
  }

  /**
   * Runs `work` in one transaction on one client: committed if it resolves, rolled back if it
   * throws. A deadlock or serialization failure (two instances writing the same rows) is retried
   * a few times, so `work` must only touch the database.
   */
  async tx<T>(verb: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(verb, work);
      } catch (error) {
        const code = (error as { cause?: { code?: unknown } }).cause?.code;
        if (attempt >= RETRIES || (code !== "40P01" && code !== "40001")) throw error;
        this.log.debug("postgres transaction retried", { location: this.location, verb, code, attempt });
      }
    }
  }

  private async once<T>(verb: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const { client, release } = await this.checkout(verb);
    let broken: Error | undefined;
    try {
      await client.query("begin");
      const value = await work(client);
      await client.query("commit");
      return value;
    } catch (error) {
      await client.query("rollback").catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      throw storeError(verb, this.location, error);
    } finally {
      release(broken);
    }
  }
}

/** How long upkeep waits for a lock before it gives up (`Db.upkeep`): well under deadlock_timeout. */
const UPKEEP_LOCK_WAIT = "100ms";
/** SQLSTATE of a lock not taken within lock_timeout. */
const LOCK_NOT_AVAILABLE = "55P03";

/** Attempts of a transaction that hit a deadlock or a serialization failure. */
const RETRIES = 3;

/** Byte-order comparison (what `collate "C"` sorts by), so every instance locks rows in one order. */
export function byCode(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Splits a list into chunks, so bulk statements stay a sensible size. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Statements run on one connection one after another, without the caller waiting for each: the
 * next is sent as soon as the last one's answer comes, so the server executes one while this
 * process prepares the next (a commit's search keys and release JSON were computed while the server
 * sat idle, and the other way round). The order is kept here, not by node-postgres (which warns that
 * queuing a query behind a running one is deprecated). After a failure the rest are not sent (in a
 * transaction they would fail behind it); `done` waits for the queue and throws that first failure.
 * Statements are queued inside `run`, which also stops the queue when the code queuing them fails.
 */
export class QueryQueue {
  private tail: Promise<void> = Promise.resolve();
  private failure: { readonly error: unknown } | undefined;

  constructor(private readonly client: pg.PoolClient) {}

  query(text: string, values?: unknown[]): void {
    this.tail = this.tail.then(async () => {
      if (this.failure) return;
      try {
        await this.client.query(text, values);
      } catch (error) {
        this.failure = { error };
      }
    });
  }

  async done(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure.error;
  }

  /**
   * Runs `work`, which queues statements here, and waits for them all; throws the first failure, a
   * statement's or `work`'s own. When `work` throws, the statements it queued and not yet sent are
   * dropped and the one running is waited for: the caller's rollback comes after the last statement
   * sent, never before one (sent after it, they ran outside the transaction: a commit whose search
   * keys failed wrote 700 of 1,200 revisions anyway).
   */
  async run(work: (queue: this) => Promise<void> | void): Promise<void> {
    try {
      await work(this);
    } catch (error) {
      this.failure ??= { error };
    }
    await this.done();
  }
}

/** Bumps the generation counter; run last in a transaction (the row lock is held until commit). */
export async function bumpGeneration(client: Sql): Promise<void> {
  await client.query("update pressroom_meta set value = (value::bigint + 1)::text where key = 'generation'");
}

/** The database URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "";
    return u.toString().replace(/:@/, "@");
  } catch {
    return url.replace(/(password=)\S+/gi, "$1***").replace(/:\/\/([^:/@]*):[^@]*@/, "://$1@");
  }
}
