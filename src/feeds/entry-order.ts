import { londonMidnight } from "../core/london.js";
import type { StoredRelease } from "../core/release.js";

/** The `updated` of a feed with no entries: fixed, so an empty feed renders the same bytes every time. */
export const EMPTY_FEED_UPDATED = new Date("2023-01-01T00:00:00.000Z");

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function validDate(value: string | Date | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === "string" ? new Date(value) : value;
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** First parseable instant among candidates (ISO strings or dates), else `fallback`. */
export function firstValidDate(candidates: readonly (string | Date | undefined)[], fallback: Date): Date {
  for (const candidate of candidates) {
    const date = validDate(candidate);
    if (date) return date;
  }
  return fallback;
}

/** Atom `published`: the source's instant when given, else London midnight of the release date. */
export function publishedOf(release: StoredRelease, fallback: Date): Date {
  const midnight = DAY.test(release.date) ? londonMidnight(release.date) : undefined;
  return firstValidDate([release.publishedAt, midnight, release.firstSeenAt, release.updatedAt], fallback);
}

/** Atom `updated`: the latest revision's instant (bumped on a revision). */
export function updatedOf(release: StoredRelease, fallback: Date): Date {
  return firstValidDate([release.updatedAt, release.firstSeenAt], publishedOf(release, fallback));
}

/** Newest first: by London date, then `updatedAt`, then id, so equal inputs give one order. */
export function sortForFeed(releases: readonly StoredRelease[]): StoredRelease[] {
  // Each release's `updated` is worked out once, not at every comparison.
  const keyed = releases.map((release) => ({ release, time: updatedOf(release, EMPTY_FEED_UPDATED).getTime() }));
  keyed.sort((a, b) => {
    if (a.release.date !== b.release.date) return a.release.date < b.release.date ? 1 : -1;
    const dt = b.time - a.time;
    if (dt !== 0) return dt;
    return a.release.id < b.release.id ? -1 : a.release.id > b.release.id ? 1 : 0;
  });
  return keyed.map((k) => k.release);
}

/** The feed's `updated`: the latest entry `updated`, or `fallback` for an empty feed. */
export function latestUpdate(releases: readonly StoredRelease[], fallback: Date = EMPTY_FEED_UPDATED): Date {
  let latest: Date | undefined;
  for (const release of releases) {
    const updated = updatedOf(release, fallback);
    if (!latest || updated.getTime() > latest.getTime()) latest = updated;
  }
  return latest ?? fallback;
}
