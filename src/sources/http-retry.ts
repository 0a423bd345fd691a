/** When to try a 429/503 again: `Retry-After` (seconds or HTTP date) or exponential backoff with jitter. */

/** Milliseconds a `Retry-After` value asks for, or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Exponential backoff (1 s, 2 s, 4 s, … from `baseMs`) with jitter in [50 %, 100 %], capped. */
export function backoffDelay(attempt: number, capMs: number, random: () => number = Math.random, baseMs = 1000): number {
  const full = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.round(full / 2 + (random() * full) / 2);
}
