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
  const factory: SharedLimiterFactory = (name, rule) => {
    const points = rule.limit;
    const duration = Math.max(1, Math.ceil(rule.windowMs / 1000));
    const limiter = new RateLimiterPostgres({
      storeClient: pool,
      tableName: "pressroom_rate_limits",
      keyPrefix: `pressroom-${name}`,
      points,
      duration,
      insuranceLimiter: new RateLimiterMemory({ points, duration }),
    });
    return {
      take: async (key) => {
        try {
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

