import type { SourceConfig } from "../config/schema.js";
import { describeError } from "../core/errors.js";
import type { RunSummary, SourceRunResult } from "../core/run.js";
import type { SourceResult } from "../core/source.js";
import { flushOutbox } from "../mail/index.js";
import { adapterFor } from "../sources/index.js";
import { ingestSource, type Matchers, SourceReadFailure } from "./ingest-source.js";
import type { PipelineDeps } from "./pipeline-deps.js";
import { createFeedTopicMatcher, loadSubscriberMatcher } from "./plan-alerts.js";
import { redactUrls } from "../core/redact-url.js";
import { detectAnomalies, recordFailure } from "./source-health.js";
import { syncConfigSubscriptions } from "./sync-subscriptions.js";
import { backfillTopicFeeds } from "./backfill-topics.js";
import { writeDirtyFeeds } from "./write-feeds.js";
import { createFormPoster, pingHub } from "./ping-hub.js";
import { feedUrlFor } from "../feeds/feed-names.js";

type ReadOutcome = { ok: true; read: SourceResult; startedAt: number } | { ok: false; error: string; startedAt: number };

/** Runs `work` over `items` with at most `limit` in flight, keeping results in order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** How often a run that must wait for a source's lease tries again. */
const LEASE_POLL_MS = 250;

/** Lets tasks started in order 0..n-1 enter a section strictly in that order. */
function createTurns(n: number) {
  const opened: (() => void)[] = [];
  const gates = Array.from({ length: n + 1 }, (_, k) => (k === 0 ? Promise.resolve() : new Promise<void>((resolve) => (opened[k] = resolve))));
  return {
    wait: (k: number) => gates[k]!,
    done: (k: number) => opened[k + 1]?.(),
  };
}

/**
 * One pass: read every source (bounded concurrency; one failure never stops the others), then,
 * source by source, diff and commit; render the feeds that changed; flush the outbox. Each source
 * is read and committed under its lease, so several instances on one database never poll one
 * source at once: an instance that finds the lease taken skips that source this cycle.
 */
export async function runOnce(deps: PipelineDeps, sources: readonly SourceConfig[] = deps.config.sources): Promise<RunSummary> {
  const { config, store, clock, log } = deps;
  const started = clock.now();
  const t0 = Date.now();
  await syncConfigSubscriptions(store.subscriptions, config, started);
  // Read when a source first finds something new or revised, and let go before the outbox is sent.
  let subscriberMatcher: ReturnType<typeof loadSubscriberMatcher> | undefined;
  const matchers: Matchers = {
    // A new or revised release may alert: the SMTP connections open while it is matched and queued.
    subscribers: () => (subscriberMatcher ??= loadSubscriberMatcher(store.subscriptions, { digests: config.schedule, onMailLikely: () => deps.transport?.warm?.() })),
    feedTopics: createFeedTopicMatcher(config.feeds.topics),
  };
  // A topic feed new to config is filled from the history before the first commit of this run,
  // and only if some source succeeds: a run whose every source fails writes nothing.
  let backfill: Promise<void> | undefined;
  const ensureBackfill = () => (backfill ??= backfillTopicFeeds(config, store, matchers.feedTopics));

  // Established sources are ingested before those on their first read: a release new to an
  // established source then alerts, whatever a newcomer's baseline saw of it (config order is
  // kept in the results). Reads overlap; commits happen one source at a time, in this order.
  const firstReads = await Promise.all(sources.map(async (s) => (await store.sources.get(s.id)).baselineAt === undefined));
  const order = sources.map((_, i) => i).sort((a, b) => Number(firstReads[a]) - Number(firstReads[b]) || a - b);
  const turns = createTurns(order.length);
  const results: SourceRunResult[] = new Array(sources.length);
  let enqueued = 0;

  const readSource = async (source: SourceConfig): Promise<ReadOutcome> => {
    const startedAt = Date.now();
    try {
      const state = await store.sources.get(source.id);
      const read = await adapterFor(source).read(source, {
        http: deps.http,
        clock,
        log,
        baseDir: deps.baseDir,
        cursor: state.cursor,
        itemsPerUnit: store.itemsPerUnit,
        ...(deps.onProgress ? { onProgress: (done: number, total: number) => deps.onProgress?.(source.id, done, total, "reading") } : {}),
      });
      // Warnings are redacted where they are logged and kept (a streamed read's come in while it is stored).
      return { ok: true, read, startedAt };
    } catch (error) {
      return { ok: false, error: redactUrls(describeError(error)), startedAt };
    }
  };

  const commitSource = async (source: SourceConfig, outcome: ReadOutcome): Promise<SourceRunResult> => {
    const state = await store.sources.get(source.id);
    if (!outcome.ok) {
      await store.sources.put(recordFailure(state, outcome.error, clock.now()));
      log.error("source failed", { source: source.id, error: outcome.error });
      return { sourceId: source.id, status: "failed", new: 0, revised: 0, unchanged: 0, baseline: false, error: outcome.error, warnings: [], durationMs: Date.now() - outcome.startedAt };
    }
    let ingested;
    try {
      ingested = await ingestSource(deps, source, outcome.read, state, matchers, outcome.startedAt, (done, total) => deps.onProgress?.(source.id, done, total, "storing"), ensureBackfill);
    } catch (error) {
      // A streamed dump that turned out broken: what was stored stays, the cursor does not move.
      if (!(error instanceof SourceReadFailure)) throw error;
      return commitSource(source, { ok: false, error: describeError(error.error), startedAt: outcome.startedAt });
    }
    // Warnings of a streamed read are complete only now.
    // Logged and kept in summaries: never with a URL's credentials or query values.
    for (const warning of outcome.read.warnings) log.warn("source warning", { source: source.id, warning: redactUrls(warning) });
    enqueued += ingested.enqueued;
    const r = ingested.result;
    log.info("source polled", { source: source.id, status: r.status, new: r.new, revised: r.revised, unchanged: r.unchanged, baseline: r.baseline });
    return r;
  };

  let fatal: { error: unknown } | undefined;
  await mapBounded(order, config.concurrency, async (i, k) => {
    const source = sources[i]!;
    try {
      if (fatal) throw fatal.error;
      const work = async () => {
        const outcome = await readSource(source);
        await turns.wait(k);
        // A source read while an earlier one's commit failed commits nothing either.
        if (fatal) throw fatal.error;
        return commitSource(source, outcome);
      };
      let leased = await store.leases.withLease(`source:${source.id}`, work);
      // An import names its files: it waits its turn instead of skipping them.
      for (let waited = 0; !leased.held && deps.waitForLeasesMs !== undefined && waited < deps.waitForLeasesMs; waited += LEASE_POLL_MS) {
        if (waited === 0) log.warn("waiting for another instance polling this source", { source: source.id });
        await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
        leased = await store.leases.withLease(`source:${source.id}`, work);
      }
      if (leased.held) {
        results[i] = leased.value;
      } else {
        log.info("source skipped", { source: source.id, reason: "another instance is polling it" });
        results[i] = { sourceId: source.id, status: "skipped", new: 0, revised: 0, unchanged: 0, baseline: false, warnings: [], durationMs: 0 };
      }
    } catch (error) {
      // A state failure (not a source's): stop committing, let the sources in flight settle, then fail the run.
      fatal ??= { error };
    } finally {
      turns.done(k);
    }
  });
  if (fatal) throw fatal.error;
  subscriberMatcher = undefined;

  for (const source of sources) {
    for (const anomaly of detectAnomalies(await store.sources.get(source.id), clock.now())) log.warn("source anomaly", { source: source.id, anomaly });
  }

  const feedsWritten = await writeDirtyFeeds(config, store, deps.onFeedProgress);
  deps.crashAt?.("after-feeds", feedsWritten.map((f) => f.name));
  const hub = config.feeds.websubHub;
  const pushed = feedsWritten.filter((f) => !f.name.startsWith("archive/"));
  if (hub && pushed.length > 0) {
    await pingHub(hub, pushed.map((f) => feedUrlFor(config.feeds.baseUrl, f.name)), deps.postForm ?? createFormPoster(), log);
  }

  let deliveries = { enqueued, sent: 0, failed: 0, retrying: 0, pending: (await store.outbox.stats(clock.now())).pending };
  if (deps.transport) {
    const flushed = await flushOutbox({
      outbox: store.outbox,
      owner: deps.owner,
      leaseMs: config.mail.claimLeaseSeconds * 1000,
      connections: config.mail.connections,
      ...(config.mail.ratePerSecond ? { ratePerSecond: config.mail.ratePerSecond } : {}),
      ...(deps.onSendProgress ? { onProgress: deps.onSendProgress } : {}),
      transport: deps.transport,
      clock,
      log,
      compose: deps.compose,
      ...(deps.crashAt ? { crashAt: deps.crashAt } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    deliveries = { enqueued, sent: flushed.sent, failed: flushed.failed, retrying: flushed.retrying, pending: flushed.pending };
  }

  const finished = clock.now();
  const summary: RunSummary = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: Date.now() - t0,
    sources: results,
    feedsWritten,
    deliveries,
    ok: results.every((r) => r.status !== "failed"),
  };
  await store.runs.record(summary);
  log.info("run finished", { durationMs: summary.durationMs, ok: summary.ok, sources: results.length, new: results.reduce((n, r) => n + r.new, 0), revised: results.reduce((n, r) => n + r.revised, 0), feeds: feedsWritten.length, ...deliveries });
  return summary;
}
