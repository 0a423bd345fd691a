import type { Clock } from "../core/clock.js";
import { HttpError } from "./http-errors.js";
import { clientKey, createRateLimiter, type RateLimiter, type RateRule } from "./rate-limit.js";
import type { SharedLimiter, SharedLimiterFactory } from "./shared-limits.js";

/** How often one client may subscribe or confirm, how many confirmation emails one address and everyone together may get. */
export interface SubscribeLimits {
  readonly perClient: RateRule;
  readonly perEmail: RateRule;
  /** Confirmation emails sent at most, over every address. */
  readonly global: RateRule;
  /** POST /confirm per client. */
  readonly confirmPerClient: RateRule;
}

export const DEFAULT_SUBSCRIBE_LIMITS: SubscribeLimits = {
  perClient: { limit: 5, windowMs: 10 * 60_000 },
  perEmail: { limit: 3, windowMs: 60 * 60_000 },
  global: { limit: 200, windowMs: 60 * 60_000 },
  confirmPerClient: { limit: 20, windowMs: 10 * 60_000 },
};

/** A limiter of one rule: in this process (on the server's clock), or shared by every instance. */
export interface Limiter {
  take(key: string): Promise<number>;
  refund(key: string): Promise<void>;
}

export interface SubscribeLimiters {
  readonly byClient: Limiter;
  readonly byEmail: Limiter;
  readonly global: Limiter;
  readonly confirmByClient: Limiter;
}

function local(limiter: RateLimiter): Limiter {
  return { take: async (key) => limiter.take(key), refund: async (key) => limiter.refund(key) };
}

function wrap(shared: SharedLimiter): Limiter {
  return { take: (key) => shared.take(key), refund: (key) => shared.refund(key) };
}

export function createSubscribeLimiters(clock: Clock, limits: Partial<SubscribeLimits> = {}, shared?: SharedLimiterFactory): SubscribeLimiters {
  const rule = (name: keyof SubscribeLimits) => limits[name] ?? DEFAULT_SUBSCRIBE_LIMITS[name];
  const make = (name: keyof SubscribeLimits): Limiter => (shared ? wrap(shared(name, rule(name))) : local(createRateLimiter(rule(name), clock)));
  return { byClient: make("perClient"), byEmail: make("perEmail"), global: make("global"), confirmByClient: make("confirmPerClient") };
}

function tooMany(waitMs: number, message: string): HttpError {
  const seconds = Math.ceil(waitMs / 1000);
  const minutes = Math.ceil(seconds / 60);
  return new HttpError(429, `${message}; please try again in ${minutes} minute${minutes === 1 ? "" : "s"}`, { "Retry-After": String(seconds) });
}

/**
 * The limit key of an address: lower case, and without a `+tag` (`a+1@x` and `a+2@x` reach one
 * mailbox, so they count as one address).
 */
export function emailKey(email: string): string {
  const at = email.lastIndexOf("@");
  const local = at < 0 ? email : email.slice(0, at);
  const domain = at < 0 ? "" : email.slice(at);
  return `${local.split("+")[0]}${domain}`.toLowerCase();
}

/** Hits taken by one request, to give back if it does no work (a 503). */
export interface TakenSlots {
  refund(): Promise<void>;
}

/** Counts one subscribe request of `client` for `email`: per client, per address and overall; a 429 (with Retry-After) past any. */
export async function checkSubscribeLimits(limiters: SubscribeLimiters, client: string | undefined, email: string): Promise<TakenSlots> {
  const taken: (() => Promise<void>)[] = [];
  const refund = async () => {
    for (const give of taken.splice(0)) await give();
  };
  const steps: [Limiter, string, string][] = [
    [limiters.byClient, clientKey(client), "too many subscription requests from your network"],
    [limiters.byEmail, emailKey(email), "we have already sent several confirmation emails to this address: check your inbox and spam folder"],
    [limiters.global, "all", "we are sending too many confirmation emails just now"],
  ];
  for (const [limiter, key, message] of steps) {
    const wait = await limiter.take(key);
    if (wait > 0) {
      await refund();
      throw tooMany(wait, message);
    }
    taken.push(() => limiter.refund(key));
  }
  return { refund };
}

/** Counts one POST /confirm of `client`; a 429 past the limit. */
export async function checkConfirmLimit(limiters: SubscribeLimiters, client: string | undefined): Promise<TakenSlots> {
  const key = clientKey(client);
  const wait = await limiters.confirmByClient.take(key);
  if (wait > 0) throw tooMany(wait, "too many confirmation attempts from your network");
  return { refund: () => limiters.confirmByClient.refund(key) };
}
