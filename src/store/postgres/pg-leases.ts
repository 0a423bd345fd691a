import type { LeaseStore } from "../../core/ports.js";
import { storeError, type Db } from "./pg-db.js";

/**
 * Named leases as session advisory locks: a dedicated client holds `pg_try_advisory_lock` while
 * the work runs, so a dead instance's lease ends with its connection.
 */
export class PgLeaseStore implements LeaseStore {
  constructor(private readonly db: Db) {}

  async withLease<T>(name: string, work: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }> {
    let held: boolean;
    const { client, release } = await this.db.checkout(`take the lease ${name}`);
    try {
      const { rows } = await client.query<{ held: boolean }>("select pg_try_advisory_lock(hashtext('pressroom.lease'), hashtext($1)) as held", [name]);
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
        await client.query("select pg_advisory_unlock(hashtext('pressroom.lease'), hashtext($1))", [name]);
      } catch (error) {
        // A client whose unlock failed is destroyed: its session, and the lock, end with it.
        broken = error instanceof Error ? error : new Error(String(error));
      }
      release(broken);
    }
  }
}
