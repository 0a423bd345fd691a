import { shortHash } from "../core/ids.js";
import type { Release } from "../core/release.js";
import type { Delivery, DeliverySnapshot, Frequency, Subscriber, Topic } from "../core/subscription.js";
import { type DigestSchedule, nextDigestTime } from "./digest-time.js";

/** A matched sentence with highlight ranges [start, end) into `text`. */
export type Snippet = DeliverySnapshot["snippet"];

/** One new or revised release and every (subscriber, topic) whose query matched it. */
export interface AlertCandidate {
  readonly release: Release;
  readonly revisionHash: string;
  /** True when the release was already known and this is a revised text. */
  readonly isRevision: boolean;
  /** For a revision: what changed, in words, for the email. */
  readonly changes?: string;
  readonly matches: readonly { readonly subscriber: Pick<Subscriber, "email">; readonly topic: Pick<Topic, "id" | "query" | "frequency" | "revisions">; readonly snippet: Snippet }[];
}

const URGENCY: Record<Frequency, number> = { immediate: 0, daily: 1, weekly: 2 };

/** Deterministic delivery id: one per (subscriber, release, revision). */
export function deliveryId(email: string, releaseId: string, revisionHash: string): string {
  return shortHash(`delivery\n${email}\n${releaseId}\n${revisionHash}`, 32);
}

function snapshotOf(candidate: AlertCandidate, snippet: Snippet): DeliverySnapshot {
  const { release } = candidate;
  return {
    title: release.title,
    kind: release.kind,
    department: release.department,
    date: release.date,
    ...(release.url === undefined ? {} : { url: release.url }),
    summary: release.summary,
    snippet: { text: snippet.text, highlights: snippet.highlights.map(([a, b]) => [a, b] as const) },
    ...(candidate.isRevision ? { changes: candidate.changes ?? release.changeNote ?? "The text of this release was revised." } : {}),
  };
}

/**
 * Turns matches into outbox deliveries: one per (subscriber, release, revision) however many of the
 * subscriber's topics matched (all are listed); a revision alerts only topics that asked for
 * revisions; the most urgent frequency among the matched topics decides when it is due (a digest
 * when `digests` next fires at or after `digestsFrom`: the time the scheduler woke the run, so
 * a run the digest wake-up started puts what it finds into that digest; never later than `now`).
 */
export function planDeliveries(candidates: readonly AlertCandidate[], now: Date, digests: DigestSchedule, digestsFrom: Date = now): Delivery[] {
  const planned = new Map<string, Delivery>();
  // Shared by the deliveries that have them in common (tens of thousands for one release): one
  // snapshot per candidate and snippet, one topic entry per topic, one timestamp per frequency.
  const createdAt = now.toISOString();
  const dueAts = new Map<Frequency, string>();
  const dueAt = (frequency: Frequency): string => {
    let at = dueAts.get(frequency);
    if (at === undefined) {
      const from = frequency === "immediate" || digestsFrom.getTime() > now.getTime() ? now : digestsFrom;
      at = nextDigestTime(frequency, from, digests).toISOString();
      dueAts.set(frequency, at);
    }
    return at;
  };
  const entries = new Map<AlertCandidate["matches"][number]["topic"], { readonly id: string; readonly query: string }>();
  for (const candidate of candidates) {
    const snapshots = new Map<Snippet, DeliverySnapshot>();
    const snapshot = (snippet: Snippet): DeliverySnapshot => {
      let s = snapshots.get(snippet);
      if (s === undefined) {
        s = snapshotOf(candidate, snippet);
        snapshots.set(snippet, s);
      }
      return s;
    };
    for (const match of candidate.matches) {
      if (candidate.isRevision && !match.topic.revisions) continue;
      const email = match.subscriber.email;
      const id = deliveryId(email, candidate.release.id, candidate.revisionHash);
      let topic = entries.get(match.topic);
      if (topic === undefined) {
        topic = { id: match.topic.id, query: match.topic.query };
        entries.set(match.topic, topic);
      }
      const existing = planned.get(id);
      if (existing === undefined) {
        planned.set(id, {
          id,
          email,
          releaseId: candidate.release.id,
          revisionHash: candidate.revisionHash,
          revision: candidate.isRevision,
          topics: [topic],
          frequency: match.topic.frequency,
          snapshot: snapshot(match.snippet),
          status: "pending",
          createdAt,
          dueAt: dueAt(match.topic.frequency),
          attempts: 0,
        });
        continue;
      }
      const moreUrgent = URGENCY[match.topic.frequency] < URGENCY[existing.frequency];
      const frequency = moreUrgent ? match.topic.frequency : existing.frequency;
      const known = existing.topics.some((t) => t.id === topic.id);
      planned.set(id, {
        ...existing,
        topics: known ? existing.topics : [...existing.topics, topic],
        frequency,
        // The snippet follows the most urgent topic, the one the subscriber hears about first.
        snapshot: moreUrgent ? snapshot(match.snippet) : existing.snapshot,
        dueAt: dueAt(frequency),
      });
    }
  }
  return [...planned.values()];
}
