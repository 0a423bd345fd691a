import type { OutboxAck, OutboxStats, OutboxStore } from "../../core/ports.js";
import type { Delivery } from "../../core/subscription.js";
import type { Ctx } from "./context.js";
import { createDeliveryInterner } from "./delivery-interner.js";
import { corrupt, type Disk } from "./disk.js";
import { DoneIndex, type Finished, isFinished } from "./done-index.js";
import type { LogText } from "./journal.js";
import { historyFile, OUTBOX_DONE, OUTBOX_FAILED, OUTBOX_LOG } from "./layout.js";

/**
 * An outbox log line. Every event sets absolute values, so replaying one twice is harmless. An ack
 * or cancel carries when it happened (`at`, the delivery's `finishedAt`): lines written before it
 * was kept have none.
 */
export type OutboxEvent =
  | { readonly op: "put"; readonly d: Delivery }
  | { readonly op: "assign"; readonly ids: readonly string[]; readonly batchId: string; readonly messageId: string }
  | { readonly op: "ack"; readonly a: OutboxAck; readonly at?: string }
  | { readonly op: "cancel"; readonly ids: readonly string[]; readonly reason: string; readonly at?: string };

/** A delivery this outbox holds: its own top-level copy, updated in place as events apply (nested parts are shared, never changed). */
type Held = { -readonly [K in keyof Delivery]: Delivery[K] };

const byDue = (a: Delivery, b: Delivery): number =>
  Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

/** A copy of a held delivery for a caller (held ones change in place). */
const copyOf = (d: Delivery): Delivery => ({ ...d });

/** A record line of the history or failed.jsonl; undefined for an empty line or one a crash tore (that record is kept elsewhere too). */
function recordOf(line: string): Delivery | undefined {
  if (!line) return undefined;
  try {
    return JSON.parse(line) as Delivery;
  } catch {
    return undefined;
  }
}

const finishTime = (d: Delivery): number => {
  const at = d.finishedAt === undefined ? NaN : Date.parse(d.finishedAt);
  return Number.isNaN(at) ? -Infinity : at;
};

/**
 * Oldest `finishedAt` (of `deliveryOf` each) first, records without one (written before it was
 * kept) before all others; equal times in the order given (stable), so that reversed, the latest
 * recorded comes first.
 */
function byFinish<T>(xs: readonly T[], deliveryOf: (x: T) => Delivery): T[] {
  return xs
    .map((x, i) => ({ x, i, at: finishTime(deliveryOf(x)) }))
    .sort((a, b) => (a.at === b.at ? a.i - b.i : a.at < b.at ? -1 : 1))
    .map(({ x }) => x);
}

/**
 * Puts `queue/failed.jsonl` in finishing order (oldest first), replacing it atomically: for a state
 * of schema 4 or before, whose file was in the order deliveries moved out, and after copy-state
 * loaded failures in the source's order. Reads the whole file once; the same record twice (an
 * append replayed) stays twice, side by side. Returns the records it holds.
 */
export async function sortFailedFile(disk: Disk): Promise<number> {
  const records: { line: string; d: Delivery }[] = [];
  for await (const { lines } of disk.lines(OUTBOX_FAILED)) {
    for (const line of lines) {
      const d = recordOf(line);
      if (d) records.push({ line, d });
    }
  }
  if (records.length === 0) return 0;
  const order = byFinish(records, (r) => r.d);
  await disk.write(OUTBOX_FAILED, (function* () {
    for (let i = 0; i < order.length; i += EVENTS_PER_CHUNK) yield order.slice(i, i + EVENTS_PER_CHUNK).map((r) => `${r.line}\n`).join("");
  })());
  return records.length;
}

/** Compact when the log has this many lines and most of them are dead. */
const COMPACT_MIN_LINES = 512;
/**
 * While this process holds claims (a send in progress) the log is not compacted (rewriting every
 * pending line stalled every connection's acknowledgement), unless it grows past this many lines;
 * giving the claims back compacts.
 */
const COMPACT_WHILE_SENDING_LINES = 1_000_000;
/**
 * While a send holds claims, finished deliveries move out of memory (not out of the log) once this
 * many are held: 100,000 digests sent held about 100 MB more by their end without it.
 */
const FINISHED_HELD_WHILE_SENDING = 10_000;

/** Events per chunk of log text: many events are written chunk by chunk, never as one string of them all. */
const EVENTS_PER_CHUNK = 1_000;

/** The log lines of `events`, in chunks of EVENTS_PER_CHUNK. */
export function eventLines(events: readonly OutboxEvent[]): string[] {
  return jsonLines(events);
}

/** The log lines of `events`, each chunk made when asked (see `LogText`). */
export function eventText(events: readonly OutboxEvent[]): LogText {
  return {
    events: events.length,
    chunks: () => jsonChunks(events),
  };
}

/** One JSON line per value, in chunks of EVENTS_PER_CHUNK lines. */
function jsonLines(values: readonly unknown[]): string[] {
  return [...jsonChunks(values)];
}

/** `jsonLines`, each chunk made when asked. */
function* jsonChunks(values: readonly unknown[]): Generator<string> {
  for (let i = 0; i < values.length; i += EVENTS_PER_CHUNK) {
    let chunk = "";
    for (let j = i; j < Math.min(values.length, i + EVENTS_PER_CHUNK); j++) chunk += `${JSON.stringify(values[j])}\n`;
    yield chunk;
  }
}

/**
 * The outbox as an append-only log (`queue/log.jsonl`) of idempotent events about live
 * deliveries. Finished deliveries leave the log at compaction: their last record goes to a per-day
 * history file (`queue/history/YYYY-MM-DD.jsonl`), their id, status and day to `queue/done.tsv`
 * (loaded at open: a delivery recorded once is never queued again), failures also to
 * `queue/failed.jsonl`, in the order they finished (`sortFailedFile`), which is never loaded: the
 * newest failures are read from its end when asked. The log is then rewritten with only the pending deliveries. Claims live in
 * memory: this process holds the only write lock, and a dead worker's claims vanish with it.
 */
export class LowOutbox implements OutboxStore {
  /** Deliveries in the log: pending, or finished and not yet moved out. */
  private live = new Map<string, Held>();
  /** Deliveries moved out of the log: how each finished, and the day of its history file. */
  private done = new DoneIndex();
  private counts = { sent: 0, failed: 0, cancelled: 0 };
  /** Failed deliveries still in `live`, in the order they failed (sorted by finishing time when they move out). */
  private liveFailed: Held[] = [];
  private lines = 0;
  /** Pending deliveries in `live`, kept as events apply (compaction checks it on every append). */
  private pendingCount = 0;
  private loaded: Promise<void> | undefined;
  private readonly claims = new Map<string, { owner: string; until: number }>();
  /**
   * Pending ids in claim order (due time, creation, id), built at a claim when missing; entries that
   * finished since are skipped (and dropped from the front). A new delivery or a retry's new due
   * time drops it. With it a claim costs what it takes, not a scan and sort of the whole queue.
   */
  private order: { ids: string[]; due: Float64Array; head: number } | undefined;
  /** email → its pending deliveries' ids: a claim takes every due delivery of the addresses it picks. */
  private byEmail = new Map<string, Set<string>>();

  /** `finishedHeld`: finished deliveries a send may hold before they move out of memory (see `maybeCompact`). */
  constructor(private readonly ctx: Ctx, private readonly finishedHeld = FINISHED_HELD_WHILE_SENDING) {}

  /** Drops what is held (another process wrote, or a write failed); the next use reloads. */
  forget(): void {
    this.loaded = undefined;
  }

  private load(): Promise<void> {
    this.loaded ??= this.read().catch((error: unknown) => {
      this.loaded = undefined;
      throw error;
    });
    return this.loaded;
  }

  private async read(): Promise<void> {
    const disk = this.ctx.disk;
    this.live = new Map();
    this.done = new DoneIndex();
    this.counts = { sent: 0, failed: 0, cancelled: 0 };
    this.liveFailed = [];
    this.lines = 0;
    this.pendingCount = 0;
    this.order = undefined;
    this.byEmail = new Map();
    for await (const { lines } of disk.lines(OUTBOX_DONE)) {
      for (const line of lines) {
        const [id, status, day] = line.split("\t");
        // A line cut short by a crash is skipped: its delivery is also in the log or the history.
        if (!id || !isFinished(status) || !day || day.length !== 10) continue;
        this.done.set(id, status, day);
      }
    }
    this.counts = this.done.counts();
    // Read a piece at a time: the log of a big digest run is hundreds of megabytes.
    const intern = createDeliveryInterner();
    let number = 0;
    for await (const { lines, torn } of disk.lines(OUTBOX_LOG)) {
      for (const line of lines) {
        number++;
        if (!line) continue;
        let event: OutboxEvent;
        try {
          event = JSON.parse(line) as OutboxEvent;
        } catch (error) {
          // Only a torn last line (an append cut by a crash) is expected; open() truncates it.
          if (torn) break;
          throw corrupt(disk.path(OUTBOX_LOG), `line ${number} is not JSON`, error);
        }
        if (event.op === "put" && !this.live.has(event.d.id) && !this.done.has(event.d.id)) intern(event.d);
        this.apply(event);
        this.lines++;
      }
    }
  }

  /**
   * Applies one event to what is held. A delivery is copied once when it comes in and then updated
   * in place (a copy per assign and per ack was most of what a big send left for the collector);
   * whatever leaves this class is a copy (`copyOf`).
   */
  private apply(event: OutboxEvent): number {
    switch (event.op) {
      case "put": {
        if (this.live.has(event.d.id) || this.done.has(event.d.id)) return 0;
        const d: Held = { ...event.d };
        this.live.set(d.id, d);
        if (d.status !== "pending") this.finish(d);
        else {
          this.pendingCount++;
          this.indexPending(d);
          this.order = undefined;
        }
        return 1;
      }
      case "assign":
        for (const id of event.ids) {
          const d = this.live.get(id);
          if (d?.status !== "pending") continue;
          d.batchId = event.batchId;
          d.messageId = event.messageId;
        }
        return 0;
      case "ack": {
        const a = event.a;
        const d = this.live.get(a.id);
        if (!d || d.status !== "pending") return 0;
        if (a.status === "sent") {
          d.status = "sent";
          d.sentAt = a.sentAt;
        } else if (a.status === "failed") {
          d.status = "failed";
          d.lastError = a.error;
          d.attempts = a.attempts;
        } else {
          if (a.dueAt !== d.dueAt) this.order = undefined;
          d.dueAt = a.dueAt;
          d.lastError = a.error;
          d.attempts = a.attempts;
        }
        if (d.status !== "pending") {
          if (event.at) d.finishedAt = event.at;
          this.pendingCount--;
          this.finish(d);
        }
        return 0;
      }
      case "cancel":
        for (const id of event.ids) {
          const d = this.live.get(id);
          if (d?.status !== "pending") continue;
          d.status = "cancelled";
          d.lastError = event.reason;
          if (event.at) d.finishedAt = event.at;
          this.pendingCount--;
          this.finish(d);
        }
        return 0;
    }
  }

  private indexPending(d: Delivery): void {
    const ids = this.byEmail.get(d.email);
    if (ids) ids.add(d.id);
    else this.byEmail.set(d.email, new Set([d.id]));
  }

  private finish(d: Delivery): void {
    const ids = this.byEmail.get(d.email);
    if (ids?.delete(d.id) && ids.size === 0) this.byEmail.delete(d.email);
    this.counts[d.status as Finished]++;
    if (d.status === "failed") this.liveFailed.push(d);
    this.claims.delete(d.id);
  }

  private pendingList(): Held[] {
    return [...this.live.values()].filter((d) => d.status === "pending");
  }

  /** Stages deliveries not recorded before: returns the events to log and how many were added. */
  async stage(deliveries: readonly Delivery[]): Promise<{ events: OutboxEvent[]; added: number }> {
    await this.load();
    const events: OutboxEvent[] = [];
    const ids = new Set<string>();
    for (const d of deliveries) {
      if (ids.has(d.id) || this.live.has(d.id) || this.done.has(d.id)) continue;
      ids.add(d.id);
      // No JSON copy (it doubled a big enqueue's memory): `apply` takes its own top-level copy.
      events.push({ op: "put", d });
    }
    return { events, added: events.length };
  }

  /** Applies events already written durably to the log. */
  applied(events: readonly OutboxEvent[]): void {
    if (!this.loaded) return;
    for (const e of events) {
      this.apply(e);
      this.lines++;
    }
  }

  /** The cancel events for an address's pending deliveries none of whose topics it still has. */
  async cancelsFor(email: string, liveTopics: ReadonlySet<string>, reason: string): Promise<OutboxEvent[]> {
    await this.load();
    const ids = this.pendingList().filter((d) => d.email === email && !d.topics.some((t) => liveTopics.has(t.id))).map((d) => d.id);
    return ids.length ? [{ op: "cancel", ids, reason, at: this.ctx.clock.now().toISOString() }] : [];
  }

  private async append(events: readonly OutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    const lines = eventLines(events);
    await this.ctx.disk.append(OUTBOX_LOG, lines.length === 1 ? lines[0]! : lines);
    this.applied(events);
    await this.maybeCompact();
  }

  /**
   * Moves finished deliveries out of the log when most of it is dead. While a send holds claims the
   * log is not rewritten; finished deliveries still leave memory (to the history and done.tsv) each
   * time `finishedHeld` of them are held, and their lines leave the log at the compaction after.
   */
  private async maybeCompact(): Promise<void> {
    if (this.claims.size > 0 && this.lines < COMPACT_WHILE_SENDING_LINES) {
      if (this.live.size - this.pendingCount >= this.finishedHeld) await this.moveOut();
      return;
    }
    if (this.lines < COMPACT_MIN_LINES || this.pendingCount * 2 > this.lines) return;
    await this.compact();
  }

  /** Moves every finished delivery out, and rewrites the log with the pending ones only. */
  private async compact(): Promise<void> {
    const pending = this.pendingList();
    await this.moveOut();
    await this.ctx.disk.write(OUTBOX_LOG, jsonChunks(pending.map((d): OutboxEvent => ({ op: "put", d }))));
    this.lines = pending.length;
  }

  /**
   * After copy-state loaded deliveries (inside its write): every finished one moved out, and
   * `failed.jsonl` put in finishing order, since the copy came in the source's order (by id).
   */
  async settleImported(): Promise<void> {
    await this.load();
    if (this.live.size > this.pendingCount) await this.compact();
    await sortFailedFile(this.ctx.disk);
  }

  /**
   * Records every finished delivery held in the history, failed.jsonl and done.tsv, and stops
   * holding them. Their log lines may stay: done wins over the log when it is read back.
   */
  private async moveOut(): Promise<void> {
    const finished = [...this.live.values()].filter((d) => d.status !== "pending");
    const today = this.ctx.clock.now().toISOString().slice(0, 10);
    const dayOf = (d: Delivery) => (d.status === "sent" && /^\d{4}-\d{2}-\d{2}/.test(d.sentAt ?? "") ? d.sentAt!.slice(0, 10) : today);
    const byDay = new Map<string, Delivery[]>();
    for (const d of finished) {
      const list = byDay.get(dayOf(d));
      if (list) list.push(d);
      else byDay.set(dayOf(d), [d]);
    }
    const disk = this.ctx.disk;
    // History first, then the index of finished ids, then (a compaction) the log without them: a
    // crash in between leaves records in both places, which the next open reads once (done wins).
    for (const [day, list] of byDay) await disk.append(historyFile(day), jsonChunks(list));
    // In the order they finished: each move's failures (every one held) finished after those of the
    // moves before it, so the file stays in that order and its newest records are its last.
    const failed = byFinish(this.liveFailed, (d) => d);
    if (failed.length) await disk.append(OUTBOX_FAILED, jsonChunks(failed));
    if (finished.length) await disk.append(OUTBOX_DONE, finished.map((d) => `${d.id}\t${d.status}\t${dayOf(d)}\n`).join(""));
    for (const d of finished) {
      this.live.delete(d.id);
      this.done.set(d.id, d.status as Finished, dayOf(d));
    }
    this.liveFailed = [];
  }

  async enqueue(deliveries: readonly Delivery[]): Promise<number> {
    return this.ctx.write(async () => {
      const { events, added } = await this.stage(deliveries);
      await this.append(events);
      return added;
    });
  }

  /** Runs inside `claimDue`'s write before anything is claimed (queued unsubscribes go first). */
  beforeClaim: (() => Promise<unknown>) | undefined;

  /** Pending ids sorted as claims take them (due times parsed once; ties by code units). */
  private claimOrder(): { ids: string[]; due: Float64Array; head: number } {
    if (this.order) return this.order;
    const keyed: [number, Delivery][] = [];
    for (const d of this.live.values()) if (d.status === "pending") keyed.push([Date.parse(d.dueAt), d]);
    const code = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    keyed.sort((a, b) => a[0] - b[0] || code(a[1].createdAt, b[1].createdAt) || code(a[1].id, b[1].id));
    this.order = { ids: keyed.map(([, d]) => d.id), due: Float64Array.from(keyed, ([due]) => due), head: 0 };
    return this.order;
  }

  async claimDue(owner: string, leaseMs: number, limit: number, now: Date): Promise<Delivery[]> {
    return this.ctx.write(async () => {
      await this.beforeClaim?.();
      await this.load();
      const at = now.getTime();
      const order = this.claimOrder();
      const isOpen = (id: string): Delivery | undefined => {
        const d = this.live.get(id);
        if (d?.status !== "pending") return undefined;
        const claim = this.claims.get(id);
        return claim && claim.until > at ? undefined : d;
      };
      // The first `limit` addresses with something due, in claim order, then every due delivery of each.
      const emails = new Set<string>();
      for (let i = order.head; i < order.ids.length && emails.size < limit; i++) {
        if (order.due[i]! > at) break;
        const id = order.ids[i]!;
        if (i === order.head && this.live.get(id)?.status !== "pending") {
          order.head++; // finished since the order was built: never claimable again
          continue;
        }
        const d = isOpen(id);
        if (d) emails.add(d.email);
      }
      const out: [number, Delivery][] = [];
      for (const email of emails) {
        for (const id of this.byEmail.get(email) ?? []) {
          const d = isOpen(id);
          if (!d) continue;
          const dueAt = Date.parse(d.dueAt);
          if (dueAt <= at) out.push([dueAt, d]);
        }
      }
      const code = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      out.sort((a, b) => a[0] - b[0] || code(a[1].createdAt, b[1].createdAt) || code(a[1].id, b[1].id));
      for (const [, d] of out) this.claims.set(d.id, { owner, until: at + leaseMs });
      return out.map(([, d]) => copyOf(d));
    });
  }

  async assignBatch(ids: readonly string[], batchId: string, messageId: string): Promise<void> {
    if (ids.length === 0) return;
    await this.ctx.write(() => this.append([{ op: "assign", ids: [...ids], batchId, messageId }]));
  }

  async assignBatches(batches: readonly { readonly ids: readonly string[]; readonly batchId: string; readonly messageId: string }[]): Promise<void> {
    const events: OutboxEvent[] = batches.filter((b) => b.ids.length > 0).map((b) => ({ op: "assign", ids: [...b.ids], batchId: b.batchId, messageId: b.messageId }));
    if (events.length === 0) return;
    await this.ctx.write(() => this.append(events));
  }

  async ack(acks: readonly OutboxAck[]): Promise<void> {
    if (acks.length === 0) return;
    await this.ctx.write(async () => {
      await this.load();
      const at = this.ctx.clock.now().toISOString();
      await this.append(acks.map((a) => ({ op: "ack", a, at })));
      for (const a of acks) this.claims.delete(a.id);
    }, { deferHint: true });
  }

  async releaseClaims(owner: string): Promise<void> {
    for (const [id, claim] of this.claims) if (claim.owner === owner) this.claims.delete(id);
    // The compaction a send put off (see maybeCompact), now that no claim is held.
    if (this.claims.size > 0 || !this.loaded) return;
    await this.ctx.write(async () => {
      await this.load();
      await this.maybeCompact();
    });
  }

  async stats(now: Date): Promise<OutboxStats> {
    await this.ctx.before();
    await this.load();
    const pending = this.pendingList();
    const at = now.getTime();
    let oldest: string | undefined;
    for (const d of pending) if (!oldest || d.createdAt < oldest) oldest = d.createdAt;
    return {
      pending: pending.length,
      due: pending.filter((d) => Date.parse(d.dueAt) <= at).length,
      ...(oldest ? { oldestPendingAt: oldest } : {}),
      ...this.counts,
    };
  }

  async pending(limit?: number): Promise<Delivery[]> {
    await this.ctx.before();
    await this.load();
    const list = this.pendingList().sort(byDue);
    return (limit === undefined ? list : list.slice(0, limit)).map(copyOf);
  }

  async get(id: string): Promise<Delivery | undefined> {
    await this.ctx.before();
    await this.load();
    const held = this.live.get(id);
    if (held) return copyOf(held);
    const done = this.done.get(id);
    if (!done) return undefined;
    let found: Delivery | undefined;
    for (const line of ((await this.ctx.disk.readText(historyFile(done.day))) ?? "").split("\n")) {
      if (!line.includes(id)) continue;
      const d = recordOf(line);
      if (d?.id === id) found = d;
    }
    return found;
  }

  /**
   * Newest `finishedAt` first; records from before `finishedAt` was kept come last, latest recorded
   * first, as they were listed before. Reads the failures still in the log and the last `limit` of
   * `failed.jsonl` (in finishing order), never the whole file: its cost does not grow with the
   * history of failures.
   */
  async recentFailures(limit: number): Promise<Delivery[]> {
    await this.ctx.before();
    await this.load();
    const seen = new Set<string>();
    const latest: Delivery[] = [];
    const live = this.liveFailed;
    for (let i = live.length - 1; i >= 0; i--) {
      seen.add(live[i]!.id);
      latest.push(copyOf(live[i]!));
    }
    let fromFile = 0;
    if (limit > 0) {
      for await (const line of this.ctx.disk.linesBackward(OUTBOX_FAILED)) {
        const d = recordOf(line);
        if (!d || seen.has(d.id)) continue;
        seen.add(d.id);
        latest.push(d);
        if (++fromFile >= limit) break;
      }
    }
    // Stable: equal times keep the latest recorded first.
    return byFinish(latest.reverse(), (d) => d).reverse().slice(0, limit);
  }

  /** Every delivery ever recorded (export): pending and finished in the log, then the history. */
  async *everything(): AsyncIterable<Delivery> {
    await this.load();
    const seen = new Set<string>();
    for (const d of this.live.values()) {
      seen.add(d.id);
      yield copyOf(d);
    }
    const days = this.done.historyDays();
    for (const day of days) {
      for (const line of ((await this.ctx.disk.readText(historyFile(day))) ?? "").split("\n")) {
        const d = recordOf(line);
        if (!d || seen.has(d.id) || !this.done.has(d.id)) continue;
        seen.add(d.id);
        yield d;
      }
    }
  }

  /** Whether any delivery was ever recorded. */
  async isEmpty(): Promise<boolean> {
    await this.load();
    return this.live.size === 0 && this.done.size === 0;
  }

  /** Appends events inside an already-running write (import, subscription units use `applied`). */
  async appendEvents(events: readonly OutboxEvent[]): Promise<void> {
    await this.load();
    await this.append(events);
  }
}
