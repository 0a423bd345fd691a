import { rmdir } from "node:fs/promises";
import type { Clock } from "../../core/clock.js";
import { storedKeys, titleKeysOf } from "../../core/identity.js";
import type { Logger } from "../../core/logger.js";
import type { FeedEntry } from "../../core/ports.js";
import type { StoredRelease } from "../../core/release.js";
import type { Delivery, PendingSubscription, Subscriber } from "../../core/subscription.js";
import { type Disk, yieldNow } from "./disk.js";
import { Docs } from "./docs.js";
import { DIRTY, feedIndexFile, keyShardFile, META, monthOf, MONTHS, OUTBOX_LOG, PENDING, SCHEMA_VERSION, subscriberShardFile, titleShardFile } from "./layout.js";
import { eventLines } from "./outbox.js";

interface V1FeedIndex {
  feeds?: Record<string, FeedEntry[]>;
  dirty?: string[];
}
interface V1Subscriptions {
  subscribers?: Record<string, Subscriber>;
  pending?: Record<string, PendingSubscription>;
  seeded?: Record<string, string[]>;
}
interface V1Outbox {
  deliveries?: Record<string, Delivery>;
}

/** Files of the schema 1 layout that schema 2 replaces. */
const V1_FILES = ["feed-index.json", "subscriptions.json", "outbox.json"];

/**
 * Migrates a schema 1 folder in place. Schema 1 kept `releases/YYYY-MM.json` (kept as they are),
 * a key index `index/xx.json`, `feed-index.json`, `outbox.json`, `subscriptions.json`,
 * `sources.json`, `runs.json` and `secret.key` (the last three kept as they are). Every new file is
 * written first and `meta.json` last, so a crash part-way leaves a schema 1 folder whose migration
 * simply runs again; the replaced files are removed afterwards.
 */
export async function migrateV1(disk: Disk, clock: Clock, log: Logger): Promise<void> {
  const docs = new Docs(disk);
  const months: Record<string, number> = {};
  let releases = 0;
  for (const file of (await disk.list("releases")).filter((f) => /^\d{4}-\d{2}\.json$/.test(f)).sort()) {
    const month = file.slice(0, 7);
    const doc = await disk.readJson<{ releases?: Record<string, StoredRelease> }>(`releases/${file}`);
    const list = Object.values(doc?.releases ?? {});
    if (list.length) months[month] = list.length;
    for (const release of list) {
      for (const key of storedKeys(release)) {
        (await docs.get<{ keys: Record<string, [string, string]> }>(keyShardFile(key), () => ({ keys: {} }))).keys[key] = [release.id, monthOf(release.date)];
        docs.touch(keyShardFile(key));
      }
      for (const key of titleKeysOf(release)) {
        const shard = await docs.get<{ titles: Record<string, [string, string, string][]> }>(titleShardFile(monthOf(release.date)), () => ({ titles: {} }));
        const entries = (shard.titles[key] ?? []).filter((e) => e[0] !== release.id);
        shard.titles[key] = [...entries, [release.id, monthOf(release.date), release.date]];
        docs.touch(titleShardFile(monthOf(release.date)));
      }
      releases++;
    }
    await yieldNow();
  }
  (await docs.get<{ months: Record<string, number> }>(MONTHS, () => ({ months: {} }))).months = months;
  docs.touch(MONTHS);

  const feedIndex = await disk.readJson<V1FeedIndex>("feed-index.json");
  for (const [feed, entries] of Object.entries(feedIndex?.feeds ?? {})) {
    (await docs.get(feedIndexFile(feed), () => ({ name: feed, entries: [] as FeedEntry[] }))).entries = entries;
    docs.touch(feedIndexFile(feed));
  }
  (await docs.get(DIRTY, () => ({ dirty: [] as string[] }))).dirty = [...new Set(feedIndex?.dirty ?? [])].sort();
  docs.touch(DIRTY);

  const subs = await disk.readJson<V1Subscriptions>("subscriptions.json");
  const shardOf = (email: string) => docs.get(subscriberShardFile(email), () => ({ subscribers: {} as Record<string, Subscriber>, seeded: {} as Record<string, string[]> }));
  for (const subscriber of Object.values(subs?.subscribers ?? {})) {
    (await shardOf(subscriber.email)).subscribers[subscriber.email] = subscriber;
    docs.touch(subscriberShardFile(subscriber.email));
  }
  for (const [email, ids] of Object.entries(subs?.seeded ?? {})) {
    (await shardOf(email)).seeded[email] = ids;
    docs.touch(subscriberShardFile(email));
  }
  (await docs.get(PENDING, () => ({ pending: {} as Record<string, PendingSubscription> }))).pending = subs?.pending ?? {};
  docs.touch(PENDING);

  for (const file of await docs.staged()) {
    await disk.write(file.path, file.data);
    await yieldNow();
  }
  const outbox = await disk.readJson<V1Outbox>("outbox.json");
  const deliveries = Object.values(outbox?.deliveries ?? {});
  await disk.write(OUTBOX_LOG, eventLines(deliveries.map((d) => ({ op: "put", d }))));

  await disk.write(META, JSON.stringify({ schemaVersion: SCHEMA_VERSION, createdAt: clock.now().toISOString(), migratedFrom: 1 }));
  for (const file of V1_FILES) await disk.remove(file);
  for (const file of await disk.list("index")) await disk.remove(`index/${file}`);
  await rmdir(disk.path("index")).catch(() => {});
  // Schema 1 kept the lock's owner beside the lock; schema 2 keeps it inside the lock folder.
  await disk.remove("state.lock.owner.json");
  log.info("state migrated", { from: 1, to: SCHEMA_VERSION, releases, deliveries: deliveries.length });
}
