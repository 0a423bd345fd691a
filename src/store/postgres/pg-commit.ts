import type { CommitResult, SearchKeys, StateCommit } from "../../core/ports.js";
import { currentPlacements } from "../current-placements.js";
import { bumpGeneration, type Db, QueryQueue } from "./pg-db.js";
import { ensureFeeds, markDirty, placeEntries, removeEntries } from "./pg-feeds.js";
import { assertLeaseHeld } from "./pg-leases.js";
import { afterEnqueue, insertDeliveries, WORK_CHANNEL } from "./pg-outbox.js";
import { upsertReleases } from "./pg-releases.js";
import { indexReleases, notePendingKeys } from "./pg-search-index.js";
import { putSources } from "./pg-sources.js";

/** One unit of work in one transaction: releases, placements, feeds, deliveries, the source's state. */
export async function commitChange(db: Db, change: StateCommit, feedEntries: number, searchKeys?: SearchKeys): Promise<CommitResult> {
  const result = await db.tx("commit", async (client) => {
    await assertLeaseHeld(client, db.location);
    // Queued: the server writes the releases while the search keys are made.
    await new QueryQueue(client).run(async (writes) => {
      upsertReleases(writes, change.releases ?? []);
      notePendingKeys(db, await indexReleases(writes, change.releases ?? [], searchKeys));
    });
    await ensureFeeds(client, change.ensureFeeds ?? []);
    const removedFrom = await removeEntries(client, change.removals ?? []);
    // A release placed on condition is locked (FOR SHARE) as it is read: an instance revising it
    // waits for this commit, or this one reads its revision.
    const placements = await currentPlacements(change.placements ?? [], async (ids) => {
      const { rows } = await client.query<{ id: string; updated_at: string }>("select id, data->>'updatedAt' as updated_at from releases where id = any($1::text[]) order by id for share", [ids]);
      return new Map(rows.map((r) => [r.id, r.updated_at]));
    });
    const placed = await placeEntries(client, placements, feedEntries);
    const placedFeeds = [...new Set([...placed, ...removedFrom])].sort();
    await markDirty(client, change.dirty ?? []);
    const enqueued = await insertDeliveries(client, change.deliveries ?? []);
    if (change.source) await putSources(client, [change.source]);
    if (enqueued > 0) await client.query("select pg_notify($1, '')", [WORK_CHANNEL]);
    await bumpGeneration(client);
    return { enqueued, placedFeeds };
  });
  await afterEnqueue(db, result.enqueued);
  return result;
}
