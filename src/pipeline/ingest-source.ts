import type { SourceConfig } from "../config/schema.js";
import { findExisting } from "../core/identity.js";
import { redactUrls } from "../core/redact-url.js";
import type { SourceRunResult } from "../core/run.js";
import { type SourceBatch, type SourceItem, type SourceResult, type SourceState } from "../core/source.js";
import type { Delivery } from "../core/subscription.js";
import { type Change, diffReleases } from "../diff/diff-releases.js";
import { planFeeds } from "../feeds/index.js";
import { originOf } from "../sources/index.js";
import { type FeedTopics, planFeedPlacements } from "./feed-placements.js";
import { planRefills } from "./refill-topic-feeds.js";
import type { PipelineDeps } from "./pipeline-deps.js";
import { recordSuccess } from "./source-health.js";

export interface Matchers {
  /**
   * The subscribers' matcher, built on first use: a run that finds nothing new or revised never
   * reads the subscriptions (100,000 of them take seconds and over a hundred megabytes).
   */
  readonly subscribers: () => Promise<{ plan(changes: readonly Change[], now: Date, digestsFrom?: Date): Delivery[] }>;
  readonly feedTopics: FeedTopics;
}

export interface IngestOutcome {
  readonly result: SourceRunResult;
  readonly enqueued: number;
}

/** An error from reading a source's items while they are stored (a streamed dump): the source failed, not the state. */
export class SourceReadFailure extends Error {
  constructor(readonly error: unknown) {
    super("source read failed");
  }
}

/** The read's items a unit of work at a time, with progress: its batches as they come, or slices of `items`. */
async function* chunksOf(read: SourceResult, size: number): AsyncGenerator<SourceBatch> {
  if (read.batches) {
    yield* read.batches;
    return;
  }
  const total = read.items.length;
  for (let start = 0; start < total || start === 0; start += size) {
    yield { items: read.items.slice(start, start + size), done: Math.min(total, start + size), total };
  }
}

/**
 * Diffs one source's items against the store and commits each chunk as one unit of work: its
 * releases, their feed placements and dirty marks, the deliveries they trigger, and (with the last
 * chunk) the source's cursor and health. A crash loses at most the chunk in flight, which the next
 * run reads again. A streamed read is stored while it is read: `beforeFirstCommit` runs once its
 * first items are known good, and an error reading it later is thrown as `SourceReadFailure`
 * (what was committed stays; the cursor is not advanced, so the next run reads it again).
 */
export async function ingestSource(
  deps: PipelineDeps,
  source: SourceConfig,
  read: SourceResult,
  state: SourceState,
  matchers: Matchers,
  startedAt: number,
  onChunk?: (done: number, total: number) => void,
  beforeFirstCommit?: () => Promise<void>,
): Promise<IngestOutcome> {
  const { store, clock } = deps;
  const now = clock.now();
  const baseline = state.baselineAt === undefined;
  const counts = { new: 0, revised: 0, unchanged: 0 };
  let enqueued = 0;
  let seen = 0;
  let months = await store.releases.months();
  const chunks = chunksOf(read, store.itemsPerUnit);
  const pull = async (): Promise<SourceBatch | undefined> => {
    try {
      const next = await chunks.next();
      return next.done ? undefined : next.value;
    } catch (error) {
      throw new SourceReadFailure(error);
    }
  };

  // One chunk ahead: the last one is committed with the source's cursor.
  let chunk = await pull();
  await beforeFirstCommit?.();
  if (chunk === undefined) chunk = { items: [], done: 0, total: 0 };
  for (;;) {
    const following = await pull();
    const last = following === undefined;
    // Dump items carry `<file>:<line>` ids, which shift whenever a release is added above them:
    // never identify a release by them (a new release would be taken for an edit of its neighbour).
    const items: readonly SourceItem[] = source.type === "dump" ? chunk.items.map(({ sourceItemId: _line, ...item }) => item) : chunk.items;
    seen += items.length;
    const existing = await findExisting(store.releases, items.map((item) => ({ ...item, sourceId: source.id })));
    const diff = diffReleases({ sourceId: source.id, origin: originOf(source), items, existing, now: now.toISOString(), quiet: baseline && !deps.alertBacklog });
    counts.new += diff.counts.new;
    counts.revised += diff.counts.revised;
    counts.unchanged += diff.counts.unchanged;

    const changed = diff.changes.filter((c) => c.type !== "unchanged").map((c) => c.release);
    const alerting = (!baseline || deps.alertBacklog) && changed.length > 0;
    const deliveries = alerting ? (await matchers.subscribers()).plan(diff.changes, now, deps.digestsFrom) : [];
    const { placements, removals } = planFeedPlacements(diff.changes, matchers.feedTopics);
    // A full topic feed a release left gives its place to the newest match it did not hold.
    const refills = removals.length > 0 ? await planRefills(store, deps.config.feeds.topics, matchers.feedTopics, { placements, removals, current: diff.toWrite }, deps.config.feeds.entries) : [];
    // All, kinds and archive months (with a new month's neighbours, whose links change) plus the
    // topics a release joined or left.
    const plan = planFeeds(changed, { existingMonths: months });
    const dirty = [...new Set([...plan.names, ...placements.map((p) => p.feed), ...removals.map((r) => r.feed)])];

    const result = last ? sourceResult(source, read, counts, baseline, startedAt) : undefined;
    const committed = await store.commit({
      ...(diff.toWrite.length > 0 ? { releases: diff.toWrite, placements: [...placements, ...refills], ...(removals.length > 0 ? { removals } : {}), dirty } : {}),
      ...(deliveries.length > 0 ? { deliveries } : {}),
      ...(result ? { source: recordSuccess(state, result, read.cursor, seen, clock.now()) } : {}),
    });
    enqueued += committed.enqueued;
    if (plan.months.some((m) => !months.includes(m))) months = [...new Set([...months, ...plan.months])].sort();
    onChunk?.(chunk.done, chunk.total);
    if (last) {
      deps.crashAt?.("after-commit", [source.id]);
      return { result: result!, enqueued };
    }
    chunk = following;
  }
}

function sourceResult(source: SourceConfig, read: SourceResult, counts: { new: number; revised: number; unchanged: number }, baseline: boolean, startedAt: number): SourceRunResult {
  return {
    sourceId: source.id,
    status: read.status,
    new: counts.new,
    revised: counts.revised,
    unchanged: counts.unchanged,
    baseline,
    warnings: read.warnings.map(redactUrls),
    durationMs: Date.now() - startedAt,
  };
}
