import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../core/clock.js";
import { PressroomError } from "../core/errors.js";
import { DocCache } from "./docs.js";
import { FeedIndexRepo } from "./feed-index.js";
import { LowOutboxRepo } from "./outbox-repo.js";
import { ReleaseRepo } from "./release-repo.js";
import { RunRepo } from "./run-repo.js";
import { SourceRepo } from "./source-repo.js";
import { acquireLock, type HeldLock } from "./state-lock.js";
import { LowSubscriptionRepo } from "./subscription-repo.js";

export const SCHEMA_VERSION = 1;

interface MetaDoc {
  schemaVersion: number;
  createdAt: string;
}

export interface StoreOptions {
  readonly clock: Clock;
  /** Entries kept per feed index. */
  readonly feedEntries?: number;
  /** How long to wait for another process holding the state (ms). Default 60 s. */
  readonly lockWaitMs?: number;
  /** Open without the write lock (the HTTP server reading alongside a daemon). Never writes. */
  readonly readOnly?: boolean;
  /** Name shown to a second process that finds the state locked. */
  readonly command?: string;
}

export interface Store {
  readonly dir: string;
  readonly releases: ReleaseRepo;
  readonly feedIndex: FeedIndexRepo;
  readonly sources: SourceRepo;
  readonly outbox: LowOutboxRepo;
  readonly subscriptions: LowSubscriptionRepo;
  readonly runs: RunRepo;
  /** Path of a file under the state folder. */
  path(...parts: string[]): string;
  /** Rereads everything from disk on next access (long-lived read-only stores). */
  refresh(): void;
  close(): Promise<void>;
}

/**
 * Opens the state folder: takes the cross-process lock (unless read-only), checks the schema
 * version, and gives the repositories. Only this module touches lowdb.
 */
export async function openStore(dir: string, options: StoreOptions): Promise<Store> {
  await mkdir(dir, { recursive: true }).catch((error: unknown) => {
    throw new PressroomError("STATE_IO", `store: unable to create state folder ${dir}: ${(error as NodeJS.ErrnoException).code}`);
  });
  let lock: HeldLock | undefined;
  if (!options.readOnly) {
    lock = await acquireLock(dir, { name: "state.lock", waitMs: options.lockWaitMs ?? 60_000, code: "STATE_LOCKED", what: "state folder" }, options.command);
  }
  try {
    const docs = new DocCache(dir, () => {
      if (options.readOnly) throw new PressroomError("STATE_IO", `store: ${dir} was opened read-only`);
      lock?.assertHeld();
    });
    const fresh = !existsSync(join(dir, "meta.json"));
    const meta = await docs.get<MetaDoc>("meta.json", () => ({ schemaVersion: SCHEMA_VERSION, createdAt: options.clock.now().toISOString() }));
    if (meta.data.schemaVersion > SCHEMA_VERSION) {
      throw new PressroomError("STATE_SCHEMA", `store: ${dir} was written by a newer Pressroom (schema ${meta.data.schemaVersion}, this one reads ${SCHEMA_VERSION}); upgrade Pressroom.`);
    }
    if (fresh && !options.readOnly) await docs.save("meta.json", meta);
    const now = () => options.clock.now();
    return {
      dir,
      releases: new ReleaseRepo(docs),
      feedIndex: new FeedIndexRepo(docs, options.feedEntries ?? 50),
      sources: new SourceRepo(docs),
      outbox: new LowOutboxRepo(docs, now),
      subscriptions: new LowSubscriptionRepo(docs),
      runs: new RunRepo(docs),
      path: (...parts) => join(dir, ...parts),
      refresh: () => docs.forget(),
      close: async () => {
        await lock?.release();
      },
    };
  } catch (error) {
    await lock?.release();
    throw error;
  }
}
