import type { SubscriptionStore } from "../core/ports.js";
import type { Frequency, Subscriber } from "../core/subscription.js";
import type { Change } from "../diff/diff-releases.js";
import { type AlertCandidate, type DigestSchedule, planDeliveries } from "../mail/index.js";
import { createTopicMatcher } from "../match/index.js";
import type { StoredRelease } from "../core/release.js";
import type { Delivery } from "../core/subscription.js";

/**
 * Identity of a release's latest revision (what a delivery is keyed on): its hash, and when an
 * earlier revision had the same text (an edit undone), its number too, so that revision is not
 * taken for the earlier one's delivery, already sent.
 */
function revisionOf(release: StoredRelease): string {
  const n = release.revisions.length;
  const hash = release.revisions[n - 1]?.hash ?? release.hash;
  return release.revisions.slice(0, -1).some((r) => r.hash === hash) ? `${hash}#${n}` : hash;
}

const FREQUENCIES: readonly Frequency[] = ["immediate", "daily", "weekly"];

/**
 * The subscribers of one topic (one normalised query, whoever wrote it): per subscriber, its
 * index, and packed together the topic's place among that subscriber's topics, its frequency and
 * whether it asked for revisions. Numbers in arrays, not an object per (subscriber, topic): a
 * popular topic has tens of thousands of subscribers.
 */
interface TopicOwners {
  /** The query as its first subscriber wrote it (the one compiled). */
  readonly query: string;
  readonly subscribers: number[];
  /** `place << 3 | frequency << 1 | revisions`. */
  readonly packed: number[];
  /** Subscriber index → its own spelling of the query, when it differs from `query`. */
  spellings?: Map<number, string>;
}

/** What alerts need of every subscription, topics deduplicated by id (a hash of the normalised query). */
class Owners {
  readonly emails: string[] = [];
  readonly topics = new Map<string, TopicOwners>();

  add(subscriber: Subscriber): void {
    const index = this.emails.length;
    this.emails.push(subscriber.email);
    subscriber.topics.forEach((topic, place) => {
      let owners = this.topics.get(topic.id);
      if (!owners) {
        owners = { query: topic.query, subscribers: [], packed: [] };
        this.topics.set(topic.id, owners);
      }
      owners.subscribers.push(index);
      owners.packed.push((place << 3) | (Math.max(0, FREQUENCIES.indexOf(topic.frequency)) << 1) | (topic.revisions ? 1 : 0));
      if (topic.query !== owners.query) (owners.spellings ??= new Map()).set(index, topic.query);
    });
  }
}

/**
 * Builds the matcher page by page from the store (`subscriptions.pages`), so a run never holds every
 * subscriber record at once; the same matcher as `createSubscriberMatcher(await list())`.
 */
export async function loadSubscriberMatcher(subscriptions: Pick<SubscriptionStore, "list" | "pages">, options: MatcherOptions) {
  const owners = new Owners();
  if (subscriptions.pages) {
    for await (const page of subscriptions.pages(SUBSCRIBER_PAGE)) for (const subscriber of page) owners.add(subscriber);
  } else for (const subscriber of await subscriptions.list()) owners.add(subscriber);
  return matcherOver(owners, options);
}

export interface MatcherOptions {
  /** When daily and weekly deliveries are due (config's `schedule`). */
  readonly digests: DigestSchedule;
  /**
   * Called as `plan` starts on a new or revised release while there are subscribers: alerts may
   * follow (runOnce opens the SMTP connections then, so they are ready by the time the alerts are
   * matched, queued and claimed).
   */
  readonly onMailLikely?: () => void;
}

/** Subscribers read per page when building the matcher. */
export const SUBSCRIBER_PAGE = 5_000;

/** Builds one matcher over every subscriber's topics; reused for all changes of a run. */
export function createSubscriberMatcher(subscribers: readonly Subscriber[], options: MatcherOptions) {
  const owners = new Owners();
  for (const subscriber of subscribers) owners.add(subscriber);
  return matcherOver(owners, options);
}

type Match = AlertCandidate["matches"][number];

function matcherOver(owners: Owners, options: MatcherOptions) {
  // One compiled query per topic id, however many subscribe to it.
  const matcher = createTopicMatcher([...owners.topics].map(([id, { query }]) => ({ id, query })));
  const { emails, topics } = owners;
  const subscriberOf = emails.map((email) => ({ email }));

  /**
   * Every (subscriber, topic) whose topic matches, in subscriber order and each subscriber's topics
   * in its own order (as if each subscription had been matched on its own).
   */
  const matchesOf = (release: StoredRelease): Match[] => {
    const found: { subscriber: number; place: number; match: Match }[] = [];
    for (const { topicId, snippet } of matcher.match(release)) {
      const entry = topics.get(topicId);
      if (!entry) continue;
      // One topic object per (topic, frequency, revisions, spelling), shared by its subscribers.
      const shared = new Map<string, Match["topic"]>();
      for (let k = 0; k < entry.subscribers.length; k++) {
        const subscriber = entry.subscribers[k]!;
        const packed = entry.packed[k]!;
        const query = entry.spellings?.get(subscriber) ?? entry.query;
        const variant = `${packed & 7}\u0000${query}`;
        let topic = shared.get(variant);
        if (!topic) {
          topic = { id: topicId, query, frequency: FREQUENCIES[(packed >> 1) & 3]!, revisions: (packed & 1) === 1 };
          shared.set(variant, topic);
        }
        found.push({ subscriber, place: packed >> 3, match: { subscriber: subscriberOf[subscriber]!, topic, snippet } });
      }
    }
    found.sort((a, b) => a.subscriber - b.subscriber || a.place - b.place);
    return found.map((f) => f.match);
  };

  return {
    /** Deliveries for the new and revised releases among `changes`; digests planned from `digestsFrom` (default `now`, see `planDeliveries`). */
    plan(changes: readonly Change[], now: Date, digestsFrom?: Date): Delivery[] {
      if (emails.length === 0) return [];
      if (changes.some((change) => change.type !== "unchanged")) options.onMailLikely?.();
      const candidates: AlertCandidate[] = [];
      for (const change of changes) {
        if (change.type === "unchanged") continue;
        const matches = matchesOf(change.release);
        if (matches.length === 0) continue;
        const revisionHash = revisionOf(change.release);
        if (change.type === "new") {
          candidates.push({ release: change.release, revisionHash, isRevision: false, matches });
          continue;
        }
        // A subscriber whose topics matched the earlier text hears of a revision only if they asked
        // (planDeliveries checks `revisions`); one whose topics match only the new text has never
        // heard of the release and gets it as a first alert.
        const knewIt = new Set(matchesOf(change.previous).map((m) => m.subscriber.email));
        const again = matches.filter((m) => knewIt.has(m.subscriber.email));
        const firstTime = matches.filter((m) => !knewIt.has(m.subscriber.email));
        if (firstTime.length > 0) candidates.push({ release: change.release, revisionHash, isRevision: false, matches: firstTime });
        if (again.length > 0) candidates.push({ release: change.release, revisionHash, isRevision: true, changes: change.changes, matches: again });
      }
      return planDeliveries(candidates, now, options.digests, digestsFrom);
    },
  };
}

/** Matches config's named topic feeds: topic name → does the release belong in it. */
export function createFeedTopicMatcher(topics: readonly { name: string; query: string }[]) {
  const matcher = createTopicMatcher(topics.map((t) => ({ id: t.name, query: t.query })));
  return (release: Parameters<typeof matcher.match>[0]): string[] => matcher.match(release).map((m) => m.topicId);
}
