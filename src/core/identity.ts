import { canonicalUrl, titleKey } from "./ids.js";
import { addDays, daysBetween } from "./london.js";
import type { ReleaseStore } from "./ports.js";
import type { Release, StoredRelease } from "./release.js";

/*
 * Identity policy, in one place: an incoming item is a stored release when they share the
 * canonical id, a URL, or the source's own item id; failing those, when their titles (current or
 * any earlier revision) are the same within a day. The engines index the keys this module names;
 * `diff` merges items of one batch with the same rules.
 */

/** What identifies an incoming item: its release, plus where the source saw it. */
export interface IdentityItem {
  readonly release: Release;
  readonly sourceId: string;
  readonly url?: string;
  readonly sourceItemId?: string;
}

/** Days either side within which the same title is the same release. */
export const TITLE_WINDOW_DAYS = 1;

/** Lookup keys of an incoming item, strongest first. */
export function lookupKeys(item: IdentityItem): string[] {
  const keys = [`id:${item.release.id}`];
  for (const url of [item.url, item.release.url]) if (url) keys.push(`url:${canonicalUrl(url)}`);
  if (item.sourceItemId) keys.push(`item:${item.sourceId}|${item.sourceItemId}`);
  return [...new Set(keys)];
}

/** Every key a stored release is reachable by. */
export function storedKeys(release: StoredRelease): string[] {
  const keys = new Set<string>([`id:${release.id}`]);
  if (release.url) keys.add(`url:${canonicalUrl(release.url)}`);
  for (const p of release.provenance) {
    if (p.url) keys.add(`url:${canonicalUrl(p.url)}`);
    if (p.sourceItemId) keys.add(`item:${p.sourceId}|${p.sourceItemId}`);
  }
  return [...keys];
}

/** Title keys a stored release answers to: its current title and every earlier one. */
export function titleKeysOf(release: Pick<StoredRelease, "title" | "revisions">): string[] {
  return [...new Set([release.title, ...release.revisions.map((r) => r.title)].map(titleKey))];
}

/** Whether `candidate` is `release` by title: one of its titles has the same key, within the window. */
export function sameByTitle(candidate: Pick<StoredRelease, "title" | "revisions" | "date">, release: Pick<Release, "title" | "date">, key = titleKey(release.title)): boolean {
  return Math.abs(daysBetween(candidate.date, release.date)) <= TITLE_WINDOW_DAYS && titleKeysOf(candidate).includes(key);
}

/** Finds the stored release of each item (same order): by keys, else by title within the window. */
export async function findExisting(releases: ReleaseStore, items: readonly IdentityItem[]): Promise<(StoredRelease | undefined)[]> {
  const keysOf = items.map(lookupKeys);
  const hits = await releases.byKeys([...new Set(keysOf.flat())]);
  const out = items.map((_, i) => keysOf[i]!.map((key) => hits.get(key)).find((hit) => hit !== undefined));
  // Items no key found are looked up by title, all in one batch.
  const rest = items.flatMap((item, i) => (out[i] ? [] : [{ i, item, key: titleKey(item.release.title) }]));
  const candidates = await releases.byTitleKeys(rest.map(({ item, key }) => ({ titleKey: key, from: addDays(item.release.date, -TITLE_WINDOW_DAYS), to: addDays(item.release.date, TITLE_WINDOW_DAYS) })));
  rest.forEach(({ i, item, key }, n) => {
    out[i] = candidates[n]!.find((c) => sameByTitle(c, item.release, key));
  });
  return out;
}

/**
 * The same policy over releases held in memory (one batch of a diff): constant time per lookup,
 * whatever the batch size.
 */
export class IdentityIndex {
  private readonly byKey = new Map<string, string>();
  private readonly byTitle = new Map<string, Set<string>>();
  private readonly releases = new Map<string, StoredRelease>();

  /** Adds or replaces a release (by id). */
  set(release: StoredRelease): void {
    this.releases.set(release.id, release);
    for (const key of storedKeys(release)) this.byKey.set(key, release.id);
    for (const key of titleKeysOf(release)) {
      let ids = this.byTitle.get(key);
      if (!ids) this.byTitle.set(key, (ids = new Set()));
      ids.add(release.id);
    }
  }

  get(id: string): StoredRelease | undefined {
    return this.releases.get(id);
  }

  has(id: string): boolean {
    return this.releases.has(id);
  }

  /** The held release this item is, if any. */
  find(item: IdentityItem): StoredRelease | undefined {
    for (const key of lookupKeys(item)) {
      const id = this.byKey.get(key);
      if (id) return this.releases.get(id);
    }
    const key = titleKey(item.release.title);
    for (const id of this.byTitle.get(key) ?? []) {
      const candidate = this.releases.get(id);
      if (candidate && sameByTitle(candidate, item.release, key)) return candidate;
    }
    return undefined;
  }

  values(): IterableIterator<StoredRelease> {
    return this.releases.values();
  }
}
