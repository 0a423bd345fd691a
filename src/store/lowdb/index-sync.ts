import { readFile } from "node:fs/promises";
import { storedKeys, titleKeysOf } from "../../core/identity.js";
import type { Logger } from "../../core/logger.js";
import type { StoredRelease } from "../../core/release.js";
import { decodeRelease } from "../release-codec.js";
import { type Disk, yieldNow } from "./disk.js";
import { INDEX_UNSYNCED, keyShardFile, monthFileOf, monthOf, titleShardFile } from "./layout.js";

/*
 * The key and title index (`keys/`, `titles/`) can be rebuilt from the month files, so it is not
 * fsynced file by file: a big import touches all 512 shards on every chunk, and fsyncing them was
 * most of its time. Shards are still replaced atomically (temp file + rename) inside the commit's
 * unit, which is what a killed process needs: the page cache keeps every write of a dead process.
 * Only an operating-system crash or power loss can lose unsynced writes. So before the first
 * unsynced index write, `index-unsynced.json` is written durably with the machine's boot id; the
 * shards are fsynced together and the marker removed at close (and every minute). At open, a
 * marker of this boot (the writer was killed) means the shards are whole: they are fsynced and the
 * marker goes; a marker of another boot means they may not be, and the index is rebuilt from the
 * month files.
 */

/** Index shard files: replaced atomically, fsynced lazily. */
export const isIndexFile = (rel: string): boolean => /^(keys|titles)\/([0-9a-f]{2}|m-\d{4}-\d{2})\.json$/.test(rel);

/** How long index writes may stay unsynced while a store is open. */
export const INDEX_SYNC_MS = 60_000;

let boot: Promise<string | undefined> | undefined;

/** This boot of the machine (Linux), or undefined where it cannot be told (then a marker always means a rebuild). */
export function bootId(): Promise<string | undefined> {
  boot ??= readFile("/proc/sys/kernel/random/boot_id", "utf8").then((t) => t.trim() || undefined, () => undefined);
  return boot;
}

interface Marker {
  bootId?: string;
  since?: string;
}

/** Index shard files present on disk. */
async function indexFiles(disk: Disk): Promise<string[]> {
  const out: string[] = [];
  for (const dir of ["keys", "titles"]) for (const name of await disk.list(dir)) if (isIndexFile(`${dir}/${name}`)) out.push(`${dir}/${name}`);
  return out;
}

/** The open store's side: the marker before the first lazy write, fsync and removal at a checkpoint. */
export class IndexSync {
  private readonly unsynced = new Set<string>();
  private markedAt: number | undefined;

  constructor(private readonly disk: Disk) {}

  /** Before a unit that writes `files`: the marker, durably, if these are the first unsynced index writes. */
  async beforeUnit(files: readonly { readonly path: string }[]): Promise<void> {
    if (this.markedAt !== undefined || !files.some((f) => isIndexFile(f.path))) return;
    await this.disk.write(INDEX_UNSYNCED, JSON.stringify({ bootId: await bootId(), since: new Date().toISOString() } satisfies Marker));
    this.markedAt = Date.now();
  }

  /** After the unit: remembers its index files; checkpoints when they have waited long enough. */
  async afterUnit(files: readonly { readonly path: string }[]): Promise<void> {
    for (const f of files) if (isIndexFile(f.path)) this.unsynced.add(f.path);
    if (this.markedAt !== undefined && Date.now() - this.markedAt >= INDEX_SYNC_MS) await this.checkpoint();
  }

  /** fsyncs every index file written since the marker, then removes the marker. */
  async checkpoint(): Promise<void> {
    if (this.markedAt === undefined) return;
    await this.disk.syncFiles([...this.unsynced]);
    this.unsynced.clear();
    await this.disk.remove(INDEX_UNSYNCED);
    this.markedAt = undefined;
  }
}

/**
 * At open, under the lock, after the journal was recovered: settles a marker a previous process
 * left. Returns what was done.
 */
export async function settleIndex(disk: Disk, log: Logger): Promise<"none" | "synced" | "rebuilt"> {
  const text = await disk.readText(INDEX_UNSYNCED);
  if (text === undefined) return "none";
  let marker: Marker = {};
  try {
    marker = JSON.parse(text) as Marker;
  } catch {
    marker = {};
  }
  const now = await bootId();
  if (marker.bootId !== undefined && marker.bootId === now) {
    // The writer was killed, the machine kept running: its writes are all in the page cache.
    await disk.syncFiles(await indexFiles(disk));
    await disk.remove(INDEX_UNSYNCED);
    return "synced";
  }
  log.warn("state index may have lost writes in a system crash: rebuilding it from the month files", { since: marker.since });
  await rebuildIndex(disk);
  await disk.remove(INDEX_UNSYNCED);
  return "rebuilt";
}

/** Rewrites every key and title shard from the month files (fsynced), and removes shards nothing maps to. */
export async function rebuildIndex(disk: Disk): Promise<number> {
  // Built afresh in memory: what is on disk may be torn.
  const keys = new Map<string, Record<string, [string, string]>>();
  const titles = new Map<string, Record<string, [string, string, string][]>>();
  const shard = <T>(map: Map<string, Record<string, T>>, rel: string): Record<string, T> => {
    let record = map.get(rel);
    if (!record) map.set(rel, (record = {}));
    return record;
  };
  let releases = 0;
  // Each month file, then its pieces in order: a piece's copy of a release supersedes the file's.
  const monthFiles = (await disk.list("releases")).flatMap((f) => {
    const of = monthFileOf(f);
    return of ? [{ file: f, ...of }] : [];
  });
  monthFiles.sort((a, b) => (a.month === b.month ? a.piece - b.piece : a.month < b.month ? -1 : 1));
  for (const { file } of monthFiles) {
    const doc = await disk.readJson<{ releases?: Record<string, StoredRelease> }>(`releases/${file}`);
    for (const release of Object.values(doc?.releases ?? {}).map(decodeRelease)) {
      const month = monthOf(release.date);
      for (const key of storedKeys(release)) shard(keys, keyShardFile(key))[key] = [release.id, month];
      for (const key of titleKeysOf(release)) {
        const record = shard(titles, titleShardFile(month));
        record[key] = [...(record[key] ?? []).filter((e) => e[0] !== release.id), [release.id, month, release.date]];
      }
      releases++;
    }
    await yieldNow();
  }
  const files = [...[...keys].map(([rel, record]) => ({ rel, data: JSON.stringify({ keys: record }) })), ...[...titles].map(([rel, record]) => ({ rel, data: JSON.stringify({ titles: record }) }))];
  for (const { rel, data } of files) await disk.write(rel, data);
  const written = new Set(files.map((f) => f.rel));
  for (const rel of await indexFiles(disk)) if (!written.has(rel)) await disk.remove(rel);
  return releases;
}
