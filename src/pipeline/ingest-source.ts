import type { SourceConfig } from "../config/schema.js";
import type { SourceRunResult } from "../core/run.js";
import type { SourceResult, SourceState } from "../core/source.js";
import type { StoredRelease } from "../core/release.js";
import type { Delivery } from "../core/subscription.js";
import { type Change, diffReleases } from "../diff/diff-releases.js";
import { ALL_FEED, archiveFeedName, archiveMonthOf, kindFeedName, topicFeedName } from "../feeds/feed-names.js";
import { originOf } from "../sources/index.js";
import type { PipelineDeps } from "./pipeline-deps.js";
import { recordSuccess } from "./source-health.js";

export interface Matchers {
  readonly subscribers: { plan(changes: readonly Change[], now: Date): Delivery[] };
  readonly feedTopics: (release: StoredRelease) => string[];
}

export interface IngestOutcome {
  readonly result: SourceRunResult;
  readonly enqueued: number;
}

/** Feeds a release appears in (subscription feeds and its month's archive). */
function feedsOf(release: StoredRelease, feedTopics: Matchers["feedTopics"]): string[] {
  return [ALL_FEED, kindFeedName(release.kind), ...feedTopics(release).map(topicFeedName)];
}

/**
 * Diffs one source's items against the store and commits: deliveries are enqueued first (so a
 * crash never loses an alert; their ids make re-enqueueing a no-op), then feeds are marked dirty,
 * then releases and the feed index are written, and the source's cursor last.
 */
export async function ingestSource(
  deps: PipelineDeps,
  source: SourceConfig,
  read: SourceResult,
  state: SourceState,
  matchers: Matchers,
  startedAt: number,
): Promise<IngestOutcome> {
  const { store, clock } = deps;
  const now = clock.now();
  // Dump items carry `<file>:<line>` ids, which shift whenever a release is added above them: never
  // identify a release by them (a new release would be taken for an edit of its neighbour).
  const items = source.type === "dump" ? read.items.map(({ sourceItemId: _line, ...item }) => item) : read.items;
  const existing = await store.releases.findExisting(items.map((item) => ({ ...item, sourceId: source.id })));
  const diff = diffReleases({ sourceId: source.id, origin: originOf(source), items, existing, now: now.toISOString() });
  const baseline = state.baselineAt === undefined;

  let enqueued = 0;
  if (!baseline || deps.alertBacklog) {
    enqueued = await store.outbox.enqueue(matchers.subscribers.plan(diff.changes, now));
  }
  deps.crashAt?.("after-enqueue", [source.id]);

  const changed = diff.changes.filter((c) => c.type !== "unchanged").map((c) => c.release);
  if (diff.toWrite.length > 0) {
    const placements = changed.flatMap((release) => feedsOf(release, matchers.feedTopics).map((feed) => ({ feed, release })));
    const knownMonths = new Set(await store.releases.months());
    const months = [...new Set(changed.map(archiveMonthOf))];
    const dirty = new Set([...placements.map((p) => p.feed), ...months.map(archiveFeedName)]);
    const newMonths = months.filter((m) => !knownMonths.has(m));
    if (newMonths.length > 0) {
      // A new month changes its neighbours' prev/next-archive links and the current feed's prev-archive.
      const all = [...knownMonths, ...newMonths].sort();
      for (const m of newMonths) {
        const i = all.indexOf(m);
        for (const neighbour of [all[i - 1], all[i + 1]]) if (neighbour) dirty.add(archiveFeedName(neighbour));
      }
      dirty.add(ALL_FEED);
    }
    // Order matters for a crash: feeds are marked dirty and the feed index updated before the
    // releases are written, so a release is never stored without its place in the feeds (a feed
    // index entry without its release is skipped when rendering and fixed by the next run).
    await store.feedIndex.markDirty([...dirty]);
    await store.feedIndex.place(placements);
    await store.releases.put(diff.toWrite);
  }

  const result: SourceRunResult = {
    sourceId: source.id,
    status: read.status,
    new: diff.counts.new,
    revised: diff.counts.revised,
    unchanged: diff.counts.unchanged,
    baseline,
    warnings: read.warnings,
    durationMs: Date.now() - startedAt,
  };
  await store.sources.put(recordSuccess(state, result, read.cursor, items.length, clock.now()));
  deps.crashAt?.("after-commit", [source.id]);
  return { result, enqueued };
}
