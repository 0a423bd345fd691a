import pg from "pg";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";

/** A limiter shared by every instance: `take` resolves 0 when allowed (and counted), else the ms to wait. */
export interface SharedLimiter {
  take(key: string): Promise<number>;
  refund(key: string): Promise<void>;
}

export type SharedLimiterFactory = (name: string, rule: { readonly limit: number; readonly windowMs: number }) => SharedLimiter;

/**
 * Rate limits shared by every instance on one PostgreSQL database (`rate-limiter-flexible`, table
 * `pressroom_rate_limits`), each backed by an in-memory limiter while the database is unreachable.
 */
export function postgresLimits(url: string): { factory: SharedLimiterFactory; close(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: "pressroom serve limits" });
  pool.on("error", () => {});
  // The table is made once, here, before any limiter counts: a limiter that made it itself would
  // answer from its in-memory insurance until then, and not share its counts. Two instances may
  // race to create it: the loser's error is a duplicate it can ignore.
  const create = "create table if not exists pressroom_rate_limits (key varchar(255) primary key, points integer not null default 0, expire bigint)";
  let ready: Promise<void> | undefined;
  const ensureTable = () =>
    (ready ??= pool.query(create).then(
      () => undefined,
      (error: unknown) => pool.query("select 1 from pressroom_rate_limits limit 0").then(() => undefined, () => {
        ready = undefined;
        throw error;
      }),
    ));
  const factory: SharedLimiterFactory = (name, rule) => {
    const points = rule.limit;
    const duration = Math.max(1, Math.ceil(rule.windowMs / 1000));
    const limiter = new RateLimiterPostgres({
      storeClient: pool,
      tableName: "pressroom_rate_limits",
      keyPrefix: `pressroom-${name}`,
      tableCreated: true,
      points,
      duration,
      insuranceLimiter: new RateLimiterMemory({ points, duration }),
    });
    return {
      take: async (key) => {
        try {
          await ensureTable().catch(() => {}); // unreachable: the insurance limiter answers
          await limiter.consume(key);
          return 0;
        } catch (error) {
          if (error instanceof RateLimiterRes) return Math.max(1, error.msBeforeNext);
          throw error;
        }
      },
      refund: async (key) => {
        await limiter.reward(key).catch(() => {});
      },
    };
  };
  return { factory, close: () => pool.end() };
}

