import { describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { createLruCache } from "../../src/server/lru-cache.js";
import { clientKey, createRateLimiter } from "../../src/server/rate-limit.js";

describe("createRateLimiter", () => {
  it("allows `limit` hits per sliding window, then says how long to wait", () => {
    const clock = fixedClock("2024-05-01T12:00:00Z");
    const limiter = createRateLimiter({ limit: 3, windowMs: 60_000 }, clock);
    expect(limiter.take("a")).toBe(0);
    clock.advance(10_000);
    expect(limiter.take("a")).toBe(0);
    expect(limiter.take("a")).toBe(0);
    expect(limiter.take("a")).toBe(50_000);
    expect(limiter.take("b")).toBe(0);
    clock.advance(49_999);
    expect(limiter.take("a")).toBe(1);
    clock.advance(1);
    // The first hit left the window; the two at +10 s are still in it.
    expect(limiter.take("a")).toBe(0);
    expect(limiter.take("a")).toBe(10_000);
  });

  it("refused hits do not extend the wait", () => {
    const clock = fixedClock("2024-05-01T12:00:00Z");
    const limiter = createRateLimiter({ limit: 1, windowMs: 1_000 }, clock);
    expect(limiter.take("a")).toBe(0);
    for (let i = 0; i < 5; i++) expect(limiter.take("a")).toBe(1_000);
    clock.advance(1_000);
    expect(limiter.take("a")).toBe(0);
  });

  it("keeps at most maxKeys keys, forgetting the least recently hit, and sweeps expired ones", () => {
    const clock = fixedClock("2024-05-01T12:00:00Z");
    const limiter = createRateLimiter({ limit: 1, windowMs: 1_000 }, clock, 3);
    for (const key of ["a", "b", "c", "d"]) expect(limiter.take(key)).toBe(0);
    expect(limiter.size).toBe(3);
    expect(limiter.take("a")).toBe(0); // forgotten, so allowed again
    expect(limiter.take("d")).toBe(1_000);
    clock.advance(1_000);
    limiter.take("e");
    expect(limiter.size).toBe(1);
  });
});

describe("clientKey", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"],
    ["2001:db8:1:2::1", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002::ffff", "2001:db8:1:2::/64"],
    ["::1", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    [undefined, "unknown"],
  ])("%s → %s", (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});

describe("createLruCache", () => {
  it("computes once per key, counts hits and misses, and evicts the least recently used", async () => {
    const cache = createLruCache<string>(2);
    let computed = 0;
    const get = (key: string) => cache.getOrCompute(key, async () => `${key}${++computed}`);
    expect(await get("a")).toBe("a1");
    expect(await get("b")).toBe("b2");
    expect(await get("a")).toBe("a1");
    expect(await get("c")).toBe("c3"); // evicts b (a was used more recently)
    expect(await get("a")).toBe("a1");
    expect(await get("b")).toBe("b4");
    expect({ size: cache.size, hits: cache.hits, misses: cache.misses }).toEqual({ size: 2, hits: 2, misses: 4 });
  });

  it("shares one computation between concurrent misses and does not keep failures", async () => {
    const cache = createLruCache<number>(5);
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = async () => {
      calls++;
      await gate;
      return 42;
    };
    const both = Promise.all([cache.getOrCompute("k", slow), cache.getOrCompute("k", slow)]);
    release();
    expect(await both).toEqual([42, 42]);
    expect(calls).toBe(1);

    await expect(cache.getOrCompute("bad", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await cache.getOrCompute("bad", async () => 7)).toBe(7);
  });
});
