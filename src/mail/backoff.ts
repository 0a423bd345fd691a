/** Retry delay after the n-th failed attempt (n from 0): 1 min · 2^n, capped at 6 h. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts), 6 * 60 * 60_000);
}
