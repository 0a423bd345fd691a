import type { Clock } from "../core/clock.js";

/** At most `limit` hits per key within any `windowMs` (sliding window). */
export interface RateRule {
  readonly limit: number;
  readonly windowMs: number;
}

export interface RateLimiter {
  /** Records a hit for `key` when allowed and returns 0; otherwise returns the ms until the next hit is allowed. */
  take(key: string): number;
  /** Gives back the latest hit of `key` (a request that did no work). */
  refund(key: string): void;
  /** Keys currently tracked (bounded by `maxKeys`). */
  readonly size: number;
}

/** Keys kept at most; past it the least recently hit key is forgotten (memory stays bounded under a flood). */
export const MAX_RATE_KEYS = 10_000;

/** An in-memory sliding-window limiter (one process; forgets everything on restart). */
export function createRateLimiter(rule: RateRule, clock: Clock, maxKeys = MAX_RATE_KEYS): RateLimiter {
  const hits = new Map<string, number[]>();
  let lastSweep = clock.now().getTime();
  const sweep = (now: number) => {
    for (const [key, times] of hits) if ((times[times.length - 1] ?? 0) <= now - rule.windowMs) hits.delete(key);
    lastSweep = now;
  };
  return {
    take(key) {
      const now = clock.now().getTime();
      if (now - lastSweep >= rule.windowMs) sweep(now);
      const recent = (hits.get(key) ?? []).filter((t) => t > now - rule.windowMs);
      if (recent.length >= rule.limit) {
        hits.set(key, recent);
        return Math.max(1, recent[recent.length - rule.limit]! + rule.windowMs - now);
      }
      recent.push(now);
      hits.delete(key);
      hits.set(key, recent);
      while (hits.size > maxKeys) hits.delete(hits.keys().next().value!);
      return 0;
    },
    refund(key) {
      const times = hits.get(key);
      if (!times || times.length === 0) return;
      times.pop();
      if (times.length === 0) hits.delete(key);
    },
    get size() {
      return hits.size;
    },
  };
}

/**
 * The client's address: the socket's peer, or — when that peer is a trusted proxy — the nearest
 * address in `X-Forwarded-For` that is not itself a trusted proxy (the rightmost untrusted hop:
 * earlier entries are whatever the client chose to send).
 */
export function clientAddress(remote: string | undefined, forwardedFor: string | string[] | undefined, trusted: readonly string[]): string | undefined {
  const bare = (a: string) => a.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
  if (!remote || trusted.length === 0 || !trusted.map(bare).includes(bare(remote))) return remote;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor;
  if (!header) return remote;
  const hops = header.split(",").map(bare).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted.map(bare).includes(hops[i]!)) return hops[i];
  return hops[0] ?? remote;
}

/** Expands an IPv6 address to its 8 groups, or undefined when it is not one. */
function ipv6Groups(address: string): string[] | undefined {
  const [head = "", tail, extra] = address.split("::");
  if (extra !== undefined) return undefined;
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  return [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right];
}

/**
 * The limiter key of a client address: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 network
 * (one host usually owns a whole /64 and can rotate addresses within it).
 */
export function clientKey(address: string | undefined): string {
  if (!address) return "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(":")) return address;
  const groups = ipv6Groups(address.toLowerCase().replace(/%.*$/, ""));
  return groups ? `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64` : address;
}
