import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { canonicalUrl, titleKey } from "../core/ids.js";
import { addDays, daysBetween } from "../core/london.js";
import type { Release, StoredRelease } from "../core/release.js";
import type { DocCache } from "./docs.js";

interface MonthShard {
  releases: Record<string, StoredRelease>;
}
interface IndexShard {
  /** key → [release id, month] */
  keys: Record<string, [string, string]>;
}

/** What identifies an incoming item: its release, plus where the source saw it. */
export interface LookupItem {
  readonly release: Release;
  readonly sourceId: string;
  readonly url?: string;
  readonly sourceItemId?: string;
}

const monthOf = (date: string): string => date.slice(0, 7);
const shardOf = (key: string): string => createHash("sha1").update(key).digest("hex").slice(0, 2);

/** Lookup keys of an incoming item, strongest first. */
export function lookupKeys(item: LookupItem): string[] {
  const keys = [`id:${item.release.id}`];
  for (const url of [item.url, item.release.url]) if (url) keys.push(`url:${canonicalUrl(url)}`);
  if (item.sourceItemId) keys.push(`item:${item.sourceId}|${item.sourceItemId}`);
  return keys;
}

/** Every key a stored release is reachable by. */
function storedKeys(release: StoredRelease): string[] {
  const keys = new Set<string>([`id:${release.id}`]);
  if (release.url) keys.add(`url:${canonicalUrl(release.url)}`);
  for (const p of release.provenance) {
    if (p.url) keys.add(`url:${canonicalUrl(p.url)}`);
    if (p.sourceItemId) keys.add(`item:${p.sourceId}|${p.sourceItemId}`);
  }
  return [...keys];
}

/**
 * Releases sharded by London month (`releases/YYYY-MM.json`) with a key index sharded by hash
 * (`index/xx.json`), so a run reads and writes only the shards its items touch.
 */
export class ReleaseRepo {
  constructor(private readonly docs: DocCache) {}

  private month(month: string) {
    return this.docs.get<MonthShard>(`releases/${month}.json`, () => ({ releases: {} }));
  }
  private index(shard: string) {
    return this.docs.get<IndexShard>(`index/${shard}.json`, () => ({ keys: {} }));
  }

  /** Finds the stored release for each item: by id, URL or source item id, else by title within a day. */
  async findExisting(items: readonly LookupItem[]): Promise<(StoredRelease | undefined)[]> {
    const out: (StoredRelease | undefined)[] = [];
    for (const item of items) {
      let found: StoredRelease | undefined;
      for (const key of lookupKeys(item)) {
        const hit = (await this.index(shardOf(key))).data.keys[key];
        if (hit) {
          found = (await this.month(hit[1])).data.releases[hit[0]];
          if (found) break;
        }
      }
      found ??= await this.findByTitle(item.release);
      out.push(found);
    }
    return out;
  }

  private async findByTitle(release: Release): Promise<StoredRelease | undefined> {
    const key = titleKey(release.title);
    const months = new Set([addDays(release.date, -1), release.date, addDays(release.date, 1)].map(monthOf));
    for (const month of months) {
      const shard = (await this.month(month)).data.releases;
      for (const candidate of Object.values(shard)) {
        if (Math.abs(daysBetween(candidate.date, release.date)) <= 1 && titleKey(candidate.title) === key) return candidate;
        if (candidate.revisions.some((r) => titleKey(r.title) === key) && Math.abs(daysBetween(candidate.date, release.date)) <= 1) return candidate;
      }
    }
    return undefined;
  }

  /** Writes new or changed releases: month shards first, then the key index. */
  async put(releases: readonly StoredRelease[]): Promise<void> {
    const touchedMonths = new Map<string, Awaited<ReturnType<ReleaseRepo["month"]>>>();
    for (const release of releases) {
      const month = monthOf(release.date);
      const doc = await this.month(month);
      doc.data.releases[release.id] = release;
      touchedMonths.set(month, doc);
    }
    for (const [month, doc] of touchedMonths) await this.docs.save(`releases/${month}.json`, doc);
    const touchedShards = new Map<string, Awaited<ReturnType<ReleaseRepo["index"]>>>();
    for (const release of releases) {
      for (const key of storedKeys(release)) {
        const shard = shardOf(key);
        const doc = await this.index(shard);
        const current = doc.data.keys[key];
        if (current?.[0] === release.id && current[1] === monthOf(release.date)) continue;
        doc.data.keys[key] = [release.id, monthOf(release.date)];
        touchedShards.set(shard, doc);
      }
    }
    for (const [shard, doc] of touchedShards) await this.docs.save(`index/${shard}.json`, doc);
  }

  async get(id: string): Promise<StoredRelease | undefined> {
    const hit = (await this.index(shardOf(`id:${id}`))).data.keys[`id:${id}`];
    return hit ? (await this.month(hit[1])).data.releases[hit[0]] : undefined;
  }

  /** Releases by id, in the order given (unknown ids skipped). */
  async getMany(ids: readonly string[]): Promise<StoredRelease[]> {
    const out: StoredRelease[] = [];
    for (const id of ids) {
      const release = await this.get(id);
      if (release) out.push(release);
    }
    return out;
  }

  async inMonth(month: string): Promise<StoredRelease[]> {
    return Object.values((await this.month(month)).data.releases);
  }

  /** Months that hold releases, oldest first. */
  async months(): Promise<string[]> {
    try {
      const files = await readdir(join(this.docs.root, "releases"));
      return files.filter((f) => /^\d{4}-\d{2}\.json$/.test(f)).map((f) => f.slice(0, 7)).sort();
    } catch {
      return [];
    }
  }

  /** Every stored release, newest month first (search, backfills). */
  async *all(): AsyncGenerator<StoredRelease> {
    for (const month of (await this.months()).reverse()) yield* await this.inMonth(month);
  }
}
