import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import type pg from "pg";
import { PressroomError } from "../../core/errors.js";
import type { LeaseStore } from "../../core/ports.js";
import { storeError, type Db } from "./pg-db.js";

/**
 * Named leases as session advisory locks: a dedicated client holds `pg_try_advisory_lock` while
 * the work runs, so a dead instance's lease ends with its connection.
 */
/** A 64-bit advisory lock key for a lease name (signed, as PostgreSQL's bigint). */
export function leaseKey(name: string): string {
  return BigInt.asIntN(64, BigInt(`0x${createHash("sha256").update(`pressroom.lease:${name}`).digest("hex").slice(0, 16)}`)).toString();
}

/** A lease the current work holds: its name, key and the server process of the session holding it. */
interface HeldLease {
  readonly name: string;
  readonly key: string;
  readonly pid: number;
}

/** The lease of the work running now (set by `withLease` for everything its work awaits). */
const heldLeases = new AsyncLocalStorage<HeldLease>();

/**
 * Inside a commit's transaction: fails (STATE_LOCKED) when the work committing holds a lease whose
 * session has ended. A lease's connection can drop while its work runs (a network fault, a server
 * restart, `pg_terminate_backend`); the lock ends with it and another instance may already poll
 * the same source, so committing what this one read would put two instances' reads in the state.
 * Checked in the same transaction as the writes: a lease lost after this check lasts no longer
 * than the commit, less than another instance needs to read the source again.
 */
export async function assertLeaseHeld(client: pg.ClientBase, location: string): Promise<void> {
  const lease = heldLeases.getStore();
  if (!lease) return;
  const key = BigInt.asUintN(64, BigInt(lease.key));
  const { rows } = await client.query<{ held: boolean }>(
    "select exists (select 1 from pg_locks where locktype = 'advisory' and granted and pid = $1 and classid = $2::oid and objid = $3::oid and objsubid = 1) as held",
    [lease.pid, (key >> 32n).toString(), (key & 0xffffffffn).toString()],
  );
  if (rows[0]?.held !== true) {
    throw new PressroomError(
      "STATE_LOCKED",
      `store: the lease ${lease.name} in ${location} ended while this process held it (its database connection was lost); another instance may be doing the same work, so this process committed nothing more of it. The next run does it again.`,
    );
  }
}

export class PgLeaseStore implements LeaseStore {
  constructor(private readonly db: Db) {}

  async withLease<T>(name: string, work: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }> {
    let held: boolean;
    let pid: number;
    const key = leaseKey(name);
    const { client, release } = await this.db.checkout(`take the lease ${name}`);
    try {
      const { rows } = await client.query<{ held: boolean; pid: number }>("select pg_try_advisory_lock($1::bigint) as held, pg_backend_pid() as pid", [key]);
      held = rows[0]?.held === true;
      pid = rows[0]?.pid ?? 0;
    } catch (error) {
      release(true);
      throw storeError(`take the lease ${name}`, this.db.location, error);
    }
    if (!held) {
      release();
      return { held: false };
    }
    let broken: Error | undefined;
    try {
      return { held: true, value: await heldLeases.run({ name, key, pid }, work) };
    } finally {
      try {
        await client.query("select pg_advisory_unlock($1::bigint)", [key]);
      } catch (error) {
        // A client whose unlock failed is destroyed: its session, and the lock, end with it.
        broken = error instanceof Error ? error : new Error(String(error));
      }
      release(broken);
    }
  }
}
