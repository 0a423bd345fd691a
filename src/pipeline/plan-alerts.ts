import type { SubscriptionStore } from "../core/ports.js";
import type { Subscriber, Topic } from "../core/subscription.js";
import type { Change } from "../diff/diff-releases.js";
import { type AlertCandidate, planDeliveries } from "../mail/index.js";
import { createTopicMatcher } from "../match/index.js";
import type { StoredRelease } from "../core/release.js";
import type { Delivery } from "../core/subscription.js";

/** Identity of a release's latest revision (what a delivery is keyed on). */
function revisionOf(release: StoredRelease): string {
  return release.revisions[release.revisions.length - 1]?.hash ?? release.hash;
}

type Owner = { readonly subscriber: Pick<Subscriber, "email">; readonly topic: Topic };

/** Adds a subscriber's topics; keeps only what alerts need (the address and each topic), not the record. */
function addOwner(owners: Map<string, Owner>, topics: { id: string; query: string }[], subscriber: Subscriber): void {
  const who = { email: subscriber.email };
  for (const topic of subscriber.topics) {
    const key = `${subscriber.email}\u0000${topic.id}`;
    owners.set(key, { subscriber: who, topic: { id: topic.id, query: topic.query, frequency: topic.frequency, revisions: topic.revisions, createdAt: topic.createdAt } });
    topics.push({ id: key, query: topic.query });
  }
}

/**
 * Builds the matcher page by page from the store (`subscriptions.pages`), so a run never holds every
 * subscriber record at once; the same matcher as `createSubscriberMatcher(await list())`.
 */
export async function loadSubscriberMatcher(subscriptions: Pick<SubscriptionStore, "list" | "pages">) {
  const owners = new Map<string, Owner>();
  const topics: { id: string; query: string }[] = [];
  if (subscriptions.pages) {
    for await (const page of subscriptions.pages(SUBSCRIBER_PAGE)) for (const subscriber of page) addOwner(owners, topics, subscriber);
  } else for (const subscriber of await subscriptions.list()) addOwner(owners, topics, subscriber);
  return matcherOver(owners, topics);
}

/** Subscribers read per page when building the matcher. */
export const SUBSCRIBER_PAGE = 5_000;

/** Builds one matcher over every subscriber's topics; reused for all changes of a run. */
export function createSubscriberMatcher(subscribers: readonly Subscriber[]) {
  const owners = new Map<string, Owner>();
  const topics: { id: string; query: string }[] = [];
  for (const subscriber of subscribers) addOwner(owners, topics, subscriber);
  return matcherOver(owners, topics);
}

function matcherOver(owners: Map<string, Owner>, topics: { id: string; query: string }[]) {
  const matcher = createTopicMatcher(topics);
  topics.length = 0; // the index holds what it needs
  return {
    /** Deliveries for the new and revised releases among `changes`. */
    plan(changes: readonly Change[], now: Date): Delivery[] {
      if (owners.size === 0) return [];
      const candidates: AlertCandidate[] = [];
      for (const change of changes) {
        if (change.type === "unchanged") continue;
        const matches = matcher.match(change.release).flatMap(({ topicId, snippet }) => {
          const owner = owners.get(topicId);
          return owner ? [{ ...owner, snippet, key: topicId }] : [];
        });
        if (matches.length === 0) continue;
        if (change.type === "new") {
          candidates.push({ release: change.release, revisionHash: revisionOf(change.release), isRevision: false, matches });
          continue;
        }
        // A subscriber whose topics matched the earlier text hears of a revision only if they asked
        // (planDeliveries checks `revisions`); one whose topics match only the new text has never
        // heard of the release and gets it as a first alert.
        const knewIt = new Set(matcher.match(change.previous).flatMap((m) => owners.get(m.topicId)?.subscriber.email ?? []));
        const again = matches.filter((m) => knewIt.has(m.subscriber.email));
        const firstTime = matches.filter((m) => !knewIt.has(m.subscriber.email));
        if (firstTime.length > 0) candidates.push({ release: change.release, revisionHash: revisionOf(change.release), isRevision: false, matches: firstTime });
        if (again.length > 0) candidates.push({ release: change.release, revisionHash: revisionOf(change.release), isRevision: true, changes: change.changes, matches: again });
      }
      return planDeliveries(candidates, now);
    },
  };
}

/** Matches config's named topic feeds: topic name → does the release belong in it. */
export function createFeedTopicMatcher(topics: readonly { name: string; query: string }[]) {
  const matcher = createTopicMatcher(topics.map((t) => ({ id: t.name, query: t.query })));
  return (release: Parameters<typeof matcher.match>[0]): string[] => matcher.match(release).map((m) => m.topicId);
}
