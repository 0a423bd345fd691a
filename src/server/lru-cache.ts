/** A small in-memory LRU of values computed on demand, with hit counts (for tests and metrics). */
export interface LruCache<T> {
  /** The cached value of `key`, else `compute()` stored under it; concurrent misses share one computation. */
  getOrCompute(key: string, compute: () => Promise<T>): Promise<T>;
  readonly size: number;
  readonly hits: number;
  readonly misses: number;
}

export function createLruCache<T>(capacity: number): LruCache<T> {
  const entries = new Map<string, Promise<T>>();
  let hits = 0;
  let misses = 0;
  return {
    getOrCompute(key, compute) {
      const found = entries.get(key);
      if (found) {
        hits++;
        entries.delete(key);
        entries.set(key, found);
        return found;
      }
      misses++;
      const value = compute();
      entries.set(key, value);
      // A failure is not cached: the next request tries again.
      value.catch(() => {
        if (entries.get(key) === value) entries.delete(key);
      });
      while (entries.size > capacity) entries.delete(entries.keys().next().value!);
      return value;
    },
    get size() {
      return entries.size;
    },
    get hits() {
      return hits;
    },
    get misses() {
      return misses;
    },
  };
}
