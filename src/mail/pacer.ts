/**
 * A send-rate cap: each call waits for the next free slot, `1000 / ratePerSecond` ms after the
 * previous one (over every caller). Without a rate it never waits.
 */
export function createPacer(ratePerSecond: number | undefined): () => Promise<void> {
  if (!ratePerSecond || ratePerSecond <= 0) return () => Promise.resolve();
  const gap = 1000 / ratePerSecond;
  let next = 0;
  return () => {
    const now = performance.now();
    const at = Math.max(now, next);
    next = at + gap;
    return at <= now ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, at - now));
  };
}
