import { createHash } from "node:crypto";
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

export class PgLeaseStore implements LeaseStore {
  constructor(private readonly db: Db) {}

  async withLease<T>(name: string, work: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }> {
    let held: boolean;
    const { client, release } = await this.db.checkout(`take the lease ${name}`);
    try {
      const { rows } = await client.query<{ held: boolean }>("select pg_try_advisory_lock($1::bigint) as held", [leaseKey(name)]);
      held = rows[0]?.held === true;
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
      return { held: true, value: await work() };
    } finally {
      try {
        await client.query("select pg_advisory_unlock($1::bigint)", [leaseKey(name)]);
      } catch (error) {
        // A client whose unlock failed is destroyed: its session, and the lock, end with it.
        broken = error instanceof Error ? error : new Error(String(error));
      }
      release(broken);
    }
  }
}
