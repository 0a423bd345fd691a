/**
 * When a feed document whose bytes change at `now` says it changed: `now`, but never within the
 * whole second of its previous change. Last-Modified has one-second precision, so a reader
 * sending If-Modified-Since would otherwise take the new bytes for the old (a 304).
 */
export function feedChangedAt(previous: string | undefined, now: string): string {
  if (previous === undefined) return now;
  const previousMs = Date.parse(previous);
  const nowMs = Date.parse(now);
  if (Number.isNaN(previousMs) || Number.isNaN(nowMs)) return now;
  const nextSecond = Math.floor(previousMs / 1000) * 1000 + 1000;
  return nowMs >= nextSecond ? now : new Date(nextSecond).toISOString();
}
