import { randomBytes } from "node:crypto";
import pg from "pg";

/** The PostgreSQL server the benchmarks use, if any: a role that may create databases. */
export function benchDatabaseUrl(): string | undefined {
  return process.env.PRESSROOM_BENCH_DATABASE_URL || process.env.PRESSROOM_TEST_DATABASE_URL || undefined;
}

/** How long `drop` keeps trying while an autovacuum worker visits the database. */
const DROP_PATIENCE_MS = 180_000;

/** Creates an empty database next to `admin`'s; `drop` removes it, retrying while an autovacuum worker (not ours to end) visits it. Used by the benchmarks and the tests. */
export async function createFreshDatabase(admin: string, prefix = "pressroom_bench"): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      // An autovacuum worker of a database just filled can take a minute (and a role without
      // pg_signal_backend may not end it: "must be a member of the role whose process is being terminated").
      const until = Date.now() + DROP_PATIENCE_MS;
      for (;;) {
        try {
          await run(`drop database if exists ${name} with (force)`);
          return;
        } catch (error) {
          if (Date.now() >= until) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    },
  };
}
