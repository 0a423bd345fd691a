import type { Clock } from "../core/clock.js";
import { HttpError } from "./http-errors.js";
import { clientKey, createRateLimiter, type RateLimiter, type RateRule } from "./rate-limit.js";

/** How often one client may subscribe, and how many confirmation emails one address may get. */
export interface SubscribeLimits {
  readonly perClient: RateRule;
  readonly perEmail: RateRule;
}

export const DEFAULT_SUBSCRIBE_LIMITS: SubscribeLimits = {
  perClient: { limit: 5, windowMs: 10 * 60_000 },
  perEmail: { limit: 3, windowMs: 60 * 60_000 },
};

export interface SubscribeLimiters {
  readonly byClient: RateLimiter;
  readonly byEmail: RateLimiter;
}

export function createSubscribeLimiters(clock: Clock, limits: Partial<SubscribeLimits> = {}): SubscribeLimiters {
  return {
    byClient: createRateLimiter(limits.perClient ?? DEFAULT_SUBSCRIBE_LIMITS.perClient, clock),
    byEmail: createRateLimiter(limits.perEmail ?? DEFAULT_SUBSCRIBE_LIMITS.perEmail, clock),
  };
}

function tooMany(waitMs: number, message: string): HttpError {
  const seconds = Math.ceil(waitMs / 1000);
  const minutes = Math.ceil(seconds / 60);
  return new HttpError(429, `${message}; please try again in ${minutes} minute${minutes === 1 ? "" : "s"}`, { "Retry-After": String(seconds) });
}

/** Counts one subscribe request of `address` for `email`; a 429 (with Retry-After) past either limit. */
export function checkSubscribeLimits(limiters: SubscribeLimiters, address: string | undefined, email: string): void {
  const clientWait = limiters.byClient.take(clientKey(address));
  if (clientWait > 0) throw tooMany(clientWait, "too many subscription requests from your network");
  const emailWait = limiters.byEmail.take(email);
  if (emailWait > 0) throw tooMany(emailWait, "we have already sent several confirmation emails to this address: check your inbox and spam folder");
}
