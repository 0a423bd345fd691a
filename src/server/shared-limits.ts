import type { RateRule } from "./rate-limit.js";

/**
 * A rate limit kept outside this process, so every instance counts together (PostgreSQL through
 * `rate-limiter-flexible`, wired by the CLI). `take` resolves 0 when the hit is allowed (and
 * counted), else the ms until the next is; `refund` gives back a hit that did no work.
 */
export interface SharedLimiter {
  take(key: string): Promise<number>;
  refund(key: string): Promise<void>;
}

/** Builds a shared limiter for a named rule; the CLI provides one per engine. */
export type SharedLimiterFactory = (name: string, rule: RateRule) => SharedLimiter;
