import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config/load.js";
import { fixedClock } from "../src/core/clock.js";
import { canonicalId, contentHash } from "../src/core/ids.js";
import { addDays } from "../src/core/london.js";
import { silentLogger } from "../src/core/logger.js";
import type { StoredRelease } from "../src/core/release.js";
import { runOnce } from "../src/pipeline/run-once.js";
import { createHttpFetcher } from "../src/sources/index.js";
import { openState, type StateTarget } from "../src/store/index.js";

const PARAGRAPH = "The Home Secretary announced new measures to tackle crime, including more patrols, better technology and support for victims across England and Wales.";

function syntheticRelease(i: number): StoredRelease {
  const date = addDays("2010-01-01", Math.floor(i / 6));
  const title = `Synthetic release number ${i} about policing and asylum`;
  const body = Array.from({ length: 8 }, (_, k) => ({ type: "paragraph" as const, text: `${PARAGRAPH} (${i}.${k})` }));
  const base = { id: canonicalId("Home Office", date, title), title, kind: i % 5 === 0 ? "speech" : "press-release", department: "Home Office", date, summary: body[0]!.text, body };
  const hash = contentHash(base);
  const at = "2026-01-01T00:00:00.000Z";
  return { ...base, firstSeenAt: at, updatedAt: at, hash, revisions: [{ hash, recordedAt: at, title, summary: base.summary, body }], provenance: [{ sourceId: "history", origin: "dump", firstSeenAt: at, lastHash: hash }] };
}

function dumpWith(i: number): string {
  const title = `Fresh release ${i} on facial recognition`;
  return `Tag: Home Office\n\n  • PRESS RELEASE : ${title} [November 2026]\n\n    PRESS RELEASE : ${title} [November 2026]\n\n    The press release issued by the Home Office on 2${i % 8} November 2026.\n\n    ${PARAGRAPH}\n\n    Second paragraph ${i}.\n`;
}

async function seed(target: StateTarget, count: number): Promise<void> {
  const store = await openState(target, { clock: fixedClock("2026-01-01T00:00:00Z") });
  const batch = 2_000;
  for (let start = 0; start < count; start += batch) {
    const releases = Array.from({ length: Math.min(batch, count - start) }, (_, k) => syntheticRelease(start + k));
    const entry = (r: StoredRelease) => ({ id: r.id, date: r.date, updatedAt: r.updatedAt });
    await store.commit({ releases, placements: releases.flatMap((r) => [{ feed: "all", entry: entry(r) }, { feed: `kinds/${r.kind}`, entry: entry(r) }]) });
  }
  await store.close();
}

/** Median ms of runs that each add one release to a state holding `count` releases. */
async function timeAddOne(count: number, rounds: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "pressroom-bench-"));
  const target: StateTarget = { kind: "lowdb", dir: join(dir, "state") };
  try {
    await seed(target, count);
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const file = join(dir, `dump-${r}.txt`);
      await writeFile(file, dumpWith(r));
      const config = parseConfig({ sources: [{ id: `inbox-${r}`, type: "dump", path: file }], feeds: { topics: [] } });
      const clock = fixedClock("2026-11-29T10:00:00Z");
      const t0 = performance.now();
      const store = await openState(target, { clock, feedEntries: config.feeds.entries });
      await runOnce({ owner: "bench", config, baseDir: dir, store, http: createHttpFetcher({}), clock, log: silentLogger, compose: { from: "x@y.z", baseUrl: "http://localhost", listId: "l.example", unsubscribeMailto: "u@example.org", secret: "bench-secret-0123456789" } });
      await store.close();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchGrowth(): Promise<{ smallReleases: number; largeReleases: number; smallMs: number; largeMs: number; ratio: number }> {
  await timeAddOne(200, 3); // warm-up (JIT, file cache), discarded
  const smallMs = await timeAddOne(200, 9);
  const largeMs = await timeAddOne(20_000, 9);
  return { smallReleases: 200, largeReleases: 20_000, smallMs, largeMs, ratio: largeMs / smallMs };
}
