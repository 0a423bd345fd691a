/**
 * A run adding one release, on a state holding 200 releases and on one holding 200,000 (seeded
 * through store.commit in batches): lowdb here; `npm run bench -- state` measures both engines.
 */
import { timeAddOne } from "./state-bench.js";

export async function benchGrowth(): Promise<{ smallReleases: number; largeReleases: number; smallMs: number; largeMs: number; ratio: number }> {
  await timeAddOne("lowdb", 200, 2); // warm-up (JIT, file cache), discarded
  const smallMs = (await timeAddOne("lowdb", 200, 7)).ms;
  const largeMs = (await timeAddOne("lowdb", 200_000, 7)).ms;
  return { smallReleases: 200, largeReleases: 200_000, smallMs, largeMs, ratio: largeMs / smallMs };
}
