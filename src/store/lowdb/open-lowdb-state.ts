import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readdir, rm, stat, writeFile, rename } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Clock } from "../../core/clock.js";
import { PressroomError } from "../../core/errors.js";
import { silentLogger, type Logger } from "../../core/logger.js";
import type { CommitResult, LeaseStore, SearchKeys, StateCommit, StateRecord, StateStore } from "../../core/ports.js";
import { currentPlacements } from "../current-placements.js";
import type { Ctx } from "./context.js";
import { DIR_MODE, Disk, FILE_MODE, ioError, yieldNow } from "./disk.js";
import { Docs } from "./docs.js";
import { LowFeeds } from "./feeds.js";
import { IndexSync, isIndexFile, rebuildIndex, settleIndex } from "./index-sync.js";
import { recoverJournal, runUnit, type Unit } from "./journal.js";
import { CHANGES, GENERATION, isMonthFile, isMonthIndexFile, JOURNAL, META, OUTBOX_DONE, OUTBOX_FAILED, OUTBOX_LOG, SCHEMA_VERSION, SECRET } from "./layout.js";
import { migrateV1 } from "./migrate-v1.js";
import { eventText, LowOutbox, sortFailedFile } from "./outbox.js";
import { LowReleases } from "./releases.js";
import { LowSearchIndex } from "./search-index-store.js";
import { LowRuns, LowSources } from "./sources-runs.js";
import { acquireStateLock, type HeldLock } from "./state-lock.js";
import { LowSubscriptions } from "./subscriptions.js";

/** Change hints for outbox acknowledgements are written at most this often. */
const HINT_EVERY_MS = 100;

/**
 * Items per unit of work (see StateStore.itemsPerUnit). Each unit holds its releases' JSON, the
 * month files it rewrites and its search segment: 100,000 realistic releases imported in one
 * process peaked at 449 MB of RSS with units of 1,000 and 343 MB with 500 (`npm run bench -- state
 * import`), for about 10% more CPU (each unit sorts its own segment's keys, and there are more
 * merges); 393 MB once merges went four at a time (search-index-store.ts), for segments of 8,000.
 */
const LOWDB_ITEMS_PER_UNIT = 500;

/** Subscribers imported per durable write (copy-state of a big list would otherwise rewrite a shard per subscriber). */
const SUBSCRIBER_IMPORT_BATCH = 10_000;

export interface LowdbStateOptions {
  readonly clock: Clock;
  /** Entries kept per feed (default 50). */
  readonly feedEntries?: number;
  /** How long to wait for another holder of the lock (default 60 s exclusive, 5 s per write shared). */
  readonly lockWaitMs?: number;
  /** `exclusive` (default): the lock is held from open to close. `shared` (`serve` beside a daemon): reads without it, each write takes it. */
  readonly mode?: "exclusive" | "shared";
  /** Shown to a process that finds the state locked. */
  readonly command?: string;
  readonly log?: Logger;
  /** Called at once when the lock is busy and the store starts waiting for it. */
  readonly onLockWait?: (holder: string, waitMs: number) => void;
  /** Keys a release is found by: each commit indexes its releases with them (without, the index is marked out of date). */
  readonly searchKeys?: SearchKeys;
  /** Tests: SIGKILL this process right after its Nth durable write. */
  readonly crashAfterWrites?: number;
  /** Tests: finished deliveries a send holds in memory before they move to the history (default 10,000). */
  readonly finishedHeldWhileSending?: number;
}

interface Meta {
  schemaVersion: number;
  createdAt: string;
}

/** A file left by a crash mid-write: `.name.pid.rand.tmp`. */
const TEMP = /^\..+\.tmp$/;

async function removeTemps(dir: string, depth = 0): Promise<number> {
  let removed = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (entry.isDirectory() && depth < 3 && !entry.name.endsWith(".lock")) removed += await removeTemps(join(dir, entry.name), depth + 1);
    else if (entry.isFile() && TEMP.test(entry.name)) {
      await rm(join(dir, entry.name), { force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * Cuts a torn last line (an append a crash interrupted) off the files the outbox appends to, so the
 * next append starts on a line of its own. A torn log line is an event never recorded; a torn line
 * of done.tsv or failed.jsonl belongs to a compaction that never finished, whose deliveries are
 * still in the log.
 */
async function cutTornAppends(disk: Disk): Promise<void> {
  for (const file of [OUTBOX_LOG, OUTBOX_DONE, OUTBOX_FAILED]) await disk.cutTornTail(file);
}

/** A per-name in-process mutex: the lock already makes this process the state's only writer. */
function processLeases(): LeaseStore {
  const held = new Set<string>();
  return {
    async withLease(name, work) {
      if (held.has(name)) return { held: false };
      held.add(name);
      try {
        return { held: true, value: await work() };
      } finally {
        held.delete(name);
      }
    },
  };
}

/**
 * Opens the lowdb state in `dir` (created 0700): takes the lock (exclusive mode), removes temp
 * files a crash left, re-applies or discards an interrupted commit's journal, migrates a schema 1
 * folder, and returns the StateStore.
 */
export async function openLowdbState(dir: string, options: LowdbStateOptions): Promise<StateStore> {
  const root = resolve(dir);
  const mode = options.mode ?? "exclusive";
  const log = options.log ?? silentLogger;
  const command = options.command ?? "pressroom";
  const waitMs = options.lockWaitMs ?? (mode === "shared" ? 5_000 : 60_000);
  try {
    const existed = await stat(root).then((s) => s.isDirectory(), () => false);
    await mkdir(root, { recursive: true, mode: DIR_MODE });
    if (!existed) await chmod(root, DIR_MODE);
  } catch (error) {
    throw ioError(root, `create the state folder ${root}`, error);
  }
  // The lock holder is the outbox log's only writer: its append handle stays open.
  const disk = new Disk(root, options.crashAfterWrites, mode === "exclusive" ? new Set([OUTBOX_LOG]) : new Set());
  // Month files are the bulk of the state: hold the dozen most recently used, not all history.
  // Month files (and pieces) are up to a few MB each; a month's key and title files a few hundred KB.
  const docs = new Docs(disk, [{ match: isMonthFile, limit: 12 }, { match: isMonthIndexFile, limit: 48 }]);
  const lockOptions = { waitMs, command, ...(options.onLockWait ? { onLockWait: options.onLockWait } : {}) };

  let lock: HeldLock | undefined;
  let generation = "0";
  let stamp = "";
  let closed = false;
  /** A unit failed after its journal may have been written: recover it before the next write. */
  let unitFailed = false;
  let chain: Promise<unknown> = Promise.resolve();
  /** Exclusive mode: index shards are fsynced at close (and every minute), not per write. */
  const indexSync = mode === "exclusive" ? new IndexSync(disk) : undefined;

  const readStamp = async (): Promise<string> => {
    const parts: string[] = [];
    for (const f of [GENERATION, CHANGES, JOURNAL]) {
      const s = await stat(join(root, f)).catch(() => undefined);
      parts.push(s ? `${s.ino}:${s.mtimeMs}:${s.size}` : "-");
    }
    return parts.join("|");
  };
  const readGeneration = async () => {
    generation = ((await disk.readText(GENERATION)) ?? "0").trim() || "0";
  };

  /** Open-time repairs, under the lock. */
  const maintain = async () => {
    // The journal first: it may name staged temp files that complete its commit.
    const journal = await recoverJournal(disk, log);
    if (journal !== "none") log.warn("state recovered after a crash", { journal });
    const index = await settleIndex(disk, log);
    if (index !== "none") log.warn("state index settled after a crash", { index });
    await removeTemps(root);
    await cutTornAppends(disk);
    const meta = await disk.readJson<Meta>(META);
    if (meta === undefined) {
      await disk.write(META, JSON.stringify({ schemaVersion: SCHEMA_VERSION, createdAt: options.clock.now().toISOString() }));
    } else if (typeof meta.schemaVersion !== "number") {
      throw new PressroomError("STATE_CORRUPT", `store: state file ${disk.path(META)} is corrupt (no schemaVersion); it was left untouched. Restore it from a backup.`);
    } else if (meta.schemaVersion > SCHEMA_VERSION) {
      throw new PressroomError("STATE_SCHEMA", `store: the state folder ${root} was written by a newer Pressroom (schema ${meta.schemaVersion}, this one reads ${SCHEMA_VERSION}); upgrade Pressroom.`);
    } else if (meta.schemaVersion < 2) {
      await migrateV1(disk, options.clock, log);
    } else if (meta.schemaVersion < SCHEMA_VERSION) {
      // Schema 3 only adds a shorter way to write a release (release-codec.ts): files of schema 2
      // read as they are. Schema 4 adds month pieces (releases.ts), and keeps the key and title
      // index by month: it is rebuilt from the month files once (the meta is written after, so a
      // crash in between rebuilds it again). The number keeps an older Pressroom from misreading
      // the new releases, or missing those in pieces.
      if (meta.schemaVersion < 4) {
        const releases = await rebuildIndex(disk);
        log.info("state index rebuilt by month", { releases });
      }
      // Schema 5 keeps failed.jsonl in finishing order (recentFailures reads only its end).
      if (meta.schemaVersion < 5) {
        const failures = await sortFailedFile(disk);
        if (failures > 0) log.info("state failures put in finishing order", { failures });
      }
      await disk.write(META, JSON.stringify({ ...meta, schemaVersion: SCHEMA_VERSION }));
      log.info("state migrated", { from: meta.schemaVersion, to: SCHEMA_VERSION });
    }
  };

  const needsMaintenance = async (): Promise<boolean> => {
    const meta = await disk.readJson<Meta>(META);
    if (meta?.schemaVersion !== undefined && meta.schemaVersion > SCHEMA_VERSION) {
      throw new PressroomError("STATE_SCHEMA", `store: the state folder ${root} was written by a newer Pressroom (schema ${meta.schemaVersion}, this one reads ${SCHEMA_VERSION}); upgrade Pressroom.`);
    }
    return meta === undefined || meta.schemaVersion !== SCHEMA_VERSION;
  };

  if (mode === "exclusive") {
    lock = await acquireStateLock(root, lockOptions);
    try {
      await maintain();
    } catch (error) {
      await lock.release();
      throw ioError(root, "open the state", error);
    }
  } else if (await needsMaintenance()) {
    const once = await acquireStateLock(root, lockOptions);
    try {
      await maintain();
    } finally {
      await once.release();
    }
  } else if ((await disk.readText(JOURNAL)) !== undefined) {
    // A journal: a commit in flight, or one a crash left. Recover it if nobody holds the lock.
    const once = await acquireStateLock(root, { ...lockOptions, waitMs: 0 }).catch(() => undefined);
    if (once) {
      try {
        await maintain();
      } finally {
        await once.release();
      }
    }
  }
  await readGeneration();
  stamp = mode === "shared" ? await readStamp() : "";

  // Parts are created below; `forgetAll` and the context refer to them lazily.
  let parts: { feeds: LowFeeds; outbox: LowOutbox; subscriptions: LowSubscriptions } | undefined;
  const forgetAll = () => {
    docs.forget();
    parts?.feeds.forget();
    parts?.outbox.forget();
    parts?.subscriptions.forget();
  };

  const refresh = async () => {
    if (await disk.exists(JOURNAL)) {
      const free = await acquireStateLock(root, { ...lockOptions, waitMs: 0 }).catch(() => undefined);
      if (free) {
        // Nobody holds the state: the journal is a crash's leftover. Finish that commit.
        try {
          await recoverJournal(disk, log);
          await cutTornAppends(disk);
        } finally {
          await free.release();
        }
      } else {
        // A commit in flight: wait briefly for it to finish, so this reader sees it whole.
        for (let i = 0; i < 100 && (await disk.exists(JOURNAL)); i++) await new Promise((r) => setTimeout(r, 20));
      }
    }
    const now = await readStamp();
    if (now !== stamp) {
      forgetAll();
      await readGeneration();
      stamp = now;
    }
  };

  const ctx: Ctx = {
    disk,
    docs,
    clock: options.clock,
    before: async () => {
      if (closed) throw new PressroomError("STATE_IO", `store: the state in ${root} was closed`);
      if (mode === "shared") await refresh();
    },
    write: <T>(work: () => Promise<T>, writeOptions?: { readonly deferHint?: boolean; readonly noWait?: boolean }): Promise<T> => {
      const run = async (): Promise<T> => {
        if (closed) throw new PressroomError("STATE_IO", `store: the state in ${root} was closed`);
        let perWrite: HeldLock | undefined;
        if (mode === "shared") {
          perWrite = await acquireStateLock(root, writeOptions?.noWait ? { ...lockOptions, waitMs: 0 } : lockOptions);
          try {
            if (await disk.readText(JOURNAL) !== undefined) {
              await recoverJournal(disk, log);
              await cutTornAppends(disk);
            }
            await refresh();
          } catch (error) {
            await perWrite.release();
            throw error;
          }
        } else {
          lock?.assertHeld();
          // A unit of this process failed part-way (disk full, I/O error): finish it before anything else.
          if (unitFailed && (await disk.exists(JOURNAL))) {
            await recoverJournal(disk, log);
            forgetAll();
            await readGeneration();
          }
          unitFailed = false;
        }
        try {
          const writesBefore = disk.writes;
          const value = await work();
          if (disk.writes !== writesBefore) {
            // Tell shared-mode readers (serve) that something changed; only a hint, so never a failure.
            if (mode === "exclusive" && writeOptions?.deferHint) hintChanges();
            else {
              await writeChanges().catch((error: unknown) => log.warn("state change hint not written", { error: String(error) }));
              if (mode === "shared") stamp = await readStamp();
            }
          }
          return value;
        } catch (error) {
          forgetAll();
          throw error;
        } finally {
          await perWrite?.release();
        }
      };
      const result = chain.then(run, run);
      chain = result.catch(() => {});
      return result;
    },
    unit: async (given: Unit) => {
      // Files the documents' changes remove (a month's pieces, once it is written whole) go with them.
      const removes = docs.takeRemoves();
      const unit = removes.length ? { ...given, removes: [...(given.removes ?? []), ...removes] } : given;
      try {
        if (!indexSync) await runUnit(disk, unit);
        else {
          await indexSync.beforeUnit(unit.files);
          await runUnit(disk, unit, isIndexFile);
          await indexSync.afterUnit(unit.files);
        }
        docs.written();
      } catch (error) {
        unitFailed = true;
        throw error;
      }
    },
    nextGeneration: () => {
      const next = String(Number.parseInt(generation, 10) + 1 || 1);
      return { file: { path: GENERATION, data: next }, committed: () => { generation = next; } };
    },
  };

  /**
   * The exclusive holder's hint for a write that asked to defer it (outbox acknowledgements): written
   * once the write returns, then at most every HINT_EVERY_MS while such writes keep landing (they
   * share the next one). A sender acknowledging hundreds of messages a second paid a temp file and
   * a rename per durable write before. Every other write still writes its hint before it returns;
   * close writes one still owed.
   */
  let hinting: Promise<void> | undefined;
  let hintOwed = false;
  let hintTimer: NodeJS.Timeout | undefined;
  let lastHintAt = Number.NEGATIVE_INFINITY;
  const writeHint = (): Promise<void> => {
    hintOwed = false;
    lastHintAt = performance.now();
    hinting = writeChanges()
      .catch((error: unknown) => log.warn("state change hint not written", { error: String(error) }))
      .finally(() => {
        hinting = undefined;
      });
    return hinting;
  };
  const hintChanges = (): void => {
    hintOwed = true;
    if (hinting || hintTimer) return;
    const wait = lastHintAt + HINT_EVERY_MS - performance.now();
    if (wait <= 0) {
      void writeHint().then(() => {
        if (hintOwed) hintChanges();
      });
      return;
    }
    hintTimer = setTimeout(() => {
      hintTimer = undefined;
      if (hintOwed) hintChanges();
    }, wait);
    hintTimer.unref();
  };
  const flushHint = async (): Promise<void> => {
    if (hintTimer) clearTimeout(hintTimer);
    hintTimer = undefined;
    await hinting;
    if (hintOwed) await writeHint();
  };

  /** Tells shared-mode readers that something changed (a hint: not fsynced, not counted). */
  const writeChanges = async () => {
    const temp = join(root, `.${CHANGES}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
    await writeFile(temp, `${Date.now()} ${randomBytes(4).toString("hex")}`, { mode: FILE_MODE });
    await rename(temp, join(root, CHANGES));
  };

  const releases = new LowReleases(docs, disk, ctx.before);
  const feeds = new LowFeeds(ctx, options.feedEntries ?? 50);
  const outbox = new LowOutbox(ctx, options.finishedHeldWhileSending);
  const subscriptions = new LowSubscriptions(ctx, outbox);
  // Web requests queued while a run held the state are applied before it claims any alert.
  outbox.beforeClaim = () => subscriptions.applyRequests();
  const sources = new LowSources(ctx);
  const runs = new LowRuns(ctx);
  parts = { feeds, outbox, subscriptions };
  // Only a process holding the state for itself builds segments on a worker: it lets go of the state only after the builds.
  const search = new LowSearchIndex(ctx, releases, options.searchKeys, log, mode === "exclusive");

  const commit = (change: StateCommit): Promise<CommitResult> =>
    ctx.write(async () => {
      const indexed = await search.stage(change.releases ?? []);
      if (change.releases?.length) await releases.stage(change.releases);
      // Under the state lock nothing revises a release between a refill's read and here; checked all the same (the port's promise).
      const placements = await currentPlacements(change.placements ?? [], async (ids) => {
        const own = new Map((change.releases ?? []).map((r) => [r.id, r.updatedAt]));
        const others = ids.filter((id) => !own.has(id));
        for (const r of others.length ? await releases.getMany(others) : []) own.set(r.id, r.updatedAt);
        return own;
      });
      const placed = await feeds.stage(placements, change.ensureFeeds ?? [], change.dirty ?? [], change.removals ?? []);
      if (change.source) await sources.stage(change.source);
      const { events, added } = await outbox.stage(change.deliveries ?? []);
      const files = await docs.staged();
      if (files.length === 0 && events.length === 0) return { enqueued: 0, placedFeeds: placed };
      const gen = ctx.nextGeneration();
      await ctx.unit({ files: [...files, ...indexed.files, gen.file], ...(events.length ? { log: eventText(events) } : {}) });
      gen.committed();
      outbox.applied(events);
      feeds.noteAdded([...(change.ensureFeeds ?? []), ...placements.map((p) => p.feed)]);
      await indexed.after();
      return { enqueued: added, placedFeeds: placed };
    });

  const readSecret = async (): Promise<string | undefined> => (await disk.readText(SECRET))?.trim() || undefined;

  const isEmpty = async (): Promise<boolean> => {
    await ctx.before();
    if ((await releases.count()) > 0) return false;
    if ((await feeds.names()).length > 0 || (await feeds.documents()).length > 0 || (await feeds.dirty()).length > 0) return false;
    if ((await sources.list()).length > 0) return false;
    if ((await subscriptions.count()) > 0 || (await subscriptions.countPending()) > 0 || (await subscriptions.hasQueuedRequests())) return false;
    for (const shard of await subscriptions.shards()) if (Object.keys(shard.seeded).length > 0) return false;
    if (!(await outbox.isEmpty())) return false;
    if ((await runs.totals()).runs > 0 || (await runs.recent(1)).length > 0) return false;
    return true;
  };

  const store: StateStore = {
    engine: "lowdb",
    itemsPerUnit: LOWDB_ITEMS_PER_UNIT,
    location: `state folder ${root}`,
    releases,
    feeds,
    sources,
    subscriptions,
    outbox,
    runs,
    leases: processLeases(),
    search,
    commit,
    async secret(fromEnv) {
      if (fromEnv) return fromEnv;
      const held = await readSecret();
      if (held) return held;
      return ctx.write(async () => {
        const again = await readSecret();
        if (again) return again;
        const secret = randomBytes(32).toString("hex");
        try {
          const handle = await open(disk.path(SECRET), "wx", FILE_MODE);
          try {
            await handle.writeFile(`${secret}\n`);
            await handle.sync();
          } finally {
            await handle.close();
          }
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw ioError(root, `create ${disk.path(SECRET)}`, error);
          // Left empty or cut short by a crash: replace it whole (temp file, 0600, fsync, rename).
          const left = await readSecret();
          if (left) return left;
          await disk.write(SECRET, `${secret}\n`);
          return secret;
        }
        return secret;
      });
    },
    async generation() {
      await ctx.before();
      return generation;
    },
    isEmpty,
    async *exportRecords(): AsyncIterable<StateRecord> {
      await ctx.before();
      for await (const release of releases.all()) yield { type: "release", release };
      for (const feed of await feeds.names()) yield { type: "feed-entries", feed, entries: await feeds.entries(feed) };
      for (const name of await feeds.documents()) {
        const document = await feeds.get(name);
        if (document) yield { type: "feed-document", document };
      }
      const dirty = await feeds.dirty();
      if (dirty.length) yield { type: "dirty", feeds: dirty };
      for (const state of await sources.list()) yield { type: "source", state };
      for (const subscriber of await subscriptions.list()) yield { type: "subscriber", subscriber };
      for (const shard of await subscriptions.shards()) {
        for (const [email, topicIds] of Object.entries(shard.seeded)) yield { type: "seeded", email, topicIds };
      }
      for (const pending of await subscriptions.allPending()) yield { type: "pending", pending };
      for await (const delivery of outbox.everything()) yield { type: "delivery", delivery };
      for (const run of (await runs.recent(Number.MAX_SAFE_INTEGER)).reverse()) yield { type: "run", run };
      // As PostgreSQL: no totals record for a state that never ran (nothing would be copied).
      const totals = await runs.totals();
      if (totals.runs > 0) yield { type: "totals", totals };
      const secret = await readSecret();
      if (secret) yield { type: "secret", secret };
    },
    async importRecords(records) {
      if (!(await isEmpty())) {
        throw new PressroomError("STATE_NOT_EMPTY", `store: the state folder ${root} is not empty; copy into an empty state folder`);
      }
      return ctx.write(async () => {
        const counts: Record<string, number> = {};
        let batch: NonNullable<StateCommit["releases"]>[number][] = [];
        const flushReleases = async () => {
          if (batch.length === 0) return;
          const indexed = await search.stage(batch);
          await releases.stage(batch);
          const gen = ctx.nextGeneration();
          await ctx.unit({ files: [...(await docs.staged()), ...indexed.files, gen.file] });
          gen.committed();
          await indexed.after();
          batch = [];
        };
        let deliveries: import("../../core/subscription.js").Delivery[] = [];
        const flushDeliveries = async () => {
          if (deliveries.length === 0) return;
          await outbox.appendEvents(deliveries.map((d) => ({ op: "put" as const, d })));
          deliveries = [];
        };
        let subscribersStaged = 0;
        for await (const record of records) {
          counts[record.type] = (counts[record.type] ?? 0) + 1;
          switch (record.type) {
            case "release":
              batch.push(record.release);
              if (batch.length >= 500) await flushReleases();
              break;
            case "feed-entries":
              await feeds.importEntries(record.feed, record.entries);
              break;
            case "feed-document":
              await feeds.importDocument(record.document);
              break;
            case "dirty":
              await feeds.importDirty(record.feeds);
              break;
            case "source":
              await sources.stage(record.state);
              await ctx.unit({ files: await docs.staged() });
              break;
            case "subscriber":
              // Saved every SUBSCRIBER_IMPORT_BATCH: each save rewrites the shards it touched.
              await subscriptions.importSubscriber(record.subscriber, true);
              if (++subscribersStaged >= SUBSCRIBER_IMPORT_BATCH) {
                await subscriptions.saveImported();
                subscribersStaged = 0;
              }
              break;
            case "seeded":
              await subscriptions.importSeeded(record.email, record.topicIds);
              break;
            case "pending":
              await subscriptions.importPending(record.pending);
              break;
            case "delivery":
              deliveries.push(record.delivery);
              if (deliveries.length >= 1000) await flushDeliveries();
              break;
            case "run":
              await runs.importRun(record.run);
              break;
            case "totals":
              await runs.importTotals(record.totals);
              break;
            case "secret":
              await disk.write(SECRET, `${record.secret}\n`);
              break;
          }
          await yieldNow();
        }
        await flushReleases();
        await flushDeliveries();
        await outbox.settleImported();
        if (subscribersStaged > 0) await subscriptions.saveImported();
        return counts;
      });
    },
    async close() {
      if (closed) return;
      await chain.catch(() => {});
      // The worker's last segments are written, and listed as built, before the lock goes.
      await search.finish().catch((error: unknown) => log.warn("search index builds not finished at close", { error: String(error) }));
      await flushHint();
      closed = true;
      search.close();
      await disk.close();
      try {
        await indexSync?.checkpoint();
      } catch (error) {
        // The marker stays: the next open settles the index.
        log.warn("state index not synced at close", { error: String(error) });
      }
      await lock?.release();
    },
  };
  if (mode === "exclusive") {
    // Read every top-level file a command may write before it changes anything: a corrupt one
    // stops the command here, not after it stored releases and sent alerts.
    try {
      await Promise.all([runs.last(), sources.list(), feeds.names(), feeds.dirty(), releases.months(), subscriptions.countPending()]);
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}
