import { canonicalId, contentHash } from "../../../src/core/ids.js";
import type { RunSummary } from "../../../src/core/run.js";
import type { Block, Release, StoredRelease } from "../../../src/core/release.js";
import type { SourceState } from "../../../src/core/source.js";
import type { Delivery, Frequency, Topic } from "../../../src/core/subscription.js";

/* Realistic fixtures for the state contract suite: Home Office releases, topics, deliveries, runs. */

export const NOW = "2026-11-29T10:00:00Z";

/** A stored release with one revision (or `earlierTitles` as older revisions) seen by `sourceId`. */
export function makeRelease(
  title: string,
  date: string,
  extra: Partial<StoredRelease> & { earlierTitles?: readonly string[]; sourceId?: string; sourceItemId?: string; sourceUrl?: string } = {},
): StoredRelease {
  const { earlierTitles = [], sourceId = "home-office-news", sourceItemId, sourceUrl, ...rest } = extra;
  const firstTitle = earlierTitles[0] ?? title;
  const body: Block[] = [
    { type: "paragraph", text: `${title}. The Home Secretary announced the measures on ${date}.` },
    { type: "list", items: ["Stronger border checks", "More caseworkers"] },
  ];
  const release: Release = {
    id: canonicalId("Home Office", date, firstTitle),
    title,
    kind: "press-release",
    department: "Home Office",
    date,
    summary: `Summary of ${title.toLowerCase()}`,
    body,
    url: `https://www.gov.uk/government/news/${firstTitle.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
  };
  const hash = contentHash(release);
  const earlier = earlierTitles.map((t, i) => ({ hash: contentHash({ title: t, summary: release.summary, body }), recordedAt: `${date}T0${i}:00:00Z`, title: t, summary: release.summary, body }));
  return {
    ...release,
    firstSeenAt: `${date}T09:00:00Z`,
    updatedAt: `${date}T${earlier.length ? "12" : "09"}:00:00Z`,
    hash,
    revisions: [...earlier, { hash, recordedAt: `${date}T${earlier.length ? "12" : "09"}:00:00Z`, title, summary: release.summary, body }],
    provenance: [{ sourceId, origin: sourceId, firstSeenAt: `${date}T09:00:00Z`, lastHash: hash, ...(sourceUrl ? { url: sourceUrl } : {}), ...(sourceItemId ? { sourceItemId } : {}) }],
    ...rest,
  };
}

export function makeTopic(id: string, query: string, frequency: Frequency = "immediate"): Topic {
  return { id, query, frequency, revisions: false, createdAt: NOW };
}

/** A pending delivery to `email` for `topicIds`, due at `dueAt`. */
export function makeDelivery(id: string, email: string, dueAt: string, topicIds: readonly string[] = ["t-asylum"], extra: Partial<Delivery> = {}): Delivery {
  return {
    id,
    email,
    releaseId: `tag:pressroom.invalid,2026-11-28:home-office/release-${id}`,
    revisionHash: `hash-${id}`,
    revision: false,
    topics: topicIds.map((t) => ({ id: t, query: t.replace(/^t-/, "") })),
    frequency: "immediate",
    snapshot: {
      title: `Release ${id}`,
      kind: "press-release",
      department: "Home Office",
      date: "2026-11-28",
      url: `https://www.gov.uk/government/news/release-${id}`,
      summary: "New measures on asylum accommodation",
      snippet: { text: "New asylum accommodation sites", highlights: [[4, 10]] },
    },
    status: "pending",
    createdAt: dueAt,
    dueAt,
    attempts: 0,
    ...extra,
  };
}

export function makeSource(id: string, extra: Partial<SourceState> = {}): SourceState {
  return { id, consecutiveFailures: 0, recentItemCounts: [12, 14], recentGapsHours: [3.5], cursor: { etag: `"${id}-1"` }, lastRunAt: NOW, lastSuccessAt: NOW, baselineAt: "2026-11-01T08:00:00Z", ...extra };
}

export function makeRun(startedAt: string, sources: { id: string; status: "ok" | "not-modified" | "failed"; new: number; revised: number }[], deliveries = { enqueued: 0, sent: 0, failed: 0, retrying: 0, pending: 0 }, durationMs = 1500): RunSummary {
  return {
    startedAt,
    finishedAt: new Date(Date.parse(startedAt) + durationMs).toISOString(),
    durationMs,
    sources: sources.map((s) => ({ sourceId: s.id, status: s.status, new: s.new, revised: s.revised, unchanged: 0, baseline: false, warnings: [], durationMs: 100, ...(s.status === "failed" ? { error: "fetch: timeout" } : {}) })),
    feedsWritten: [{ name: "all", file: "feeds/all.xml", entries: 3 }],
    deliveries,
    ok: sources.every((s) => s.status !== "failed"),
  };
}

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Minutes after NOW, as a Date or ISO string. */
export const at = (minutes: number): Date => new Date(Date.parse(NOW) + minutes * 60_000);
export const iso = (minutes: number): string => at(minutes).toISOString();

/**
 * Runs a state's cleanup, retrying a few times: PostgreSQL's `drop database … with (force)` fails
 * while an autovacuum worker (not ours to terminate) is visiting the test database after a big write.
 */
export async function cleanupRetrying(cleanup: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await cleanup();
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
