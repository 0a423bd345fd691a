/** Spaces calls at most `perSecond` per second (GOV.UK allows 10; we default to 3). */
export interface RateLimiter {
  /** Resolves when the next request may start. */
  wait(): Promise<void>;
}

export const GOVUK_MAX_RATE = 10;

export function createRateLimiter(
  perSecond: number,
  sleep: (ms: number) => Promise<void>,
  now: () => number = () => performance.now(),
): RateLimiter {
  const rate = Math.min(Math.max(perSecond, 0.01), GOVUK_MAX_RATE);
  const interval = 1000 / rate;
  let next = -Infinity;
  return {
    async wait() {
      const at = now();
      if (at < next) {
        const delay = Math.ceil(next - at);
        next += interval;
        await sleep(delay);
      } else {
        next = at + interval;
      }
    },
  };
}
