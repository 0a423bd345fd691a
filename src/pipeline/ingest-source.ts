import type { SourceConfig } from "../config/schema.js";
import type { SourceRunResult } from "../core/run.js";
import type { SourceResult, SourceState } from "../core/source.js";
import type { StoredRelease } from "../core/release.js";
import type { Delivery } from "../core/subscription.js";
import { type Change, diffReleases } from "../diff/diff-releases.js";
import { ALL_FEED, kindFeedName, planFeeds, topicFeedName } from "../feeds/index.js";
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

/** Subscription feeds a release appears in (archives are planned by month). */
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
    // All, kinds and archive months (with a new month's neighbours, whose links change) plus topics.
    const plan = planFeeds(changed, { existingMonths: await store.releases.months() });
    const dirty = new Set([...plan.names, ...placements.map((p) => p.feed)]);
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
