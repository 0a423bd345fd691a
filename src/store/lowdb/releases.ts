import { PressroomError } from "../../core/errors.js";
import { storedKeys, titleKeysOf } from "../../core/identity.js";
import type { ReleaseStore, TitleLookup } from "../../core/ports.js";
import type { StoredRelease } from "../../core/release.js";
import { decodeRelease, encodeRelease } from "../release-codec.js";
import { corrupt, yieldNow } from "./disk.js";
import type { TextPieces } from "../../core/text-pieces.js";
import type { Disk } from "./disk.js";
import type { Docs } from "./docs.js";
import { idMonth, isMonthFile, keyShardFile, monthFile, monthOf, monthPieceFile, MONTHS, titleShardFile } from "./layout.js";
import { sliceMonth } from "./month-slices.js";
import { pickReleases } from "./pick-releases.js";

interface MonthDoc {
  releases: Record<string, StoredRelease>;
}
interface KeyShard {
  /** identity key → [release id, month] */
  keys: Record<string, [string, string]>;
}
interface TitleShard {
  /** title key → [release id, month, date] of every release that has or had that title */
  titles: Record<string, [string, string, string][]>;
}
interface MonthsDoc {
  /** month → number of releases */
  months: Record<string, number>;
  /** month → pieces written beside its file since it was last written whole (`monthPieceFile` 1…n); absent: none */
  pieces: Record<string, number>;
}

/** A release of a held month: its object, its JSON, or both (each made from the other when first needed). */
interface Slot {
  value?: StoredRelease;
  json?: string;
  /** The file the JSON was read from (named when it does not parse); absent for JSON this process made. */
  file?: string;
}

/** Releases wanted from a month not held in memory up to which they are picked out of its file rather than the month read, cut and held. */
const PICK_UP_TO = 32;
/** A month with this many pieces is written whole (its pieces merged into its file) by the next commit that changes it. */
const MAX_PIECES = 8;

/**
 * Releases in month shards (`releases/YYYY-MM.json`), reachable by identity key through 256 hash
 * shards (`keys/xx.json`) and by title key through 256 more (`titles/xx.json`), so no lookup scans
 * a month and a commit rewrites only the shards its releases touch. A commit adding or revising
 * releases of a month that already has some writes them as a new piece of that month
 * (`releases/YYYY-MM.N.json`) rather than the whole month again: the cost of storing a release does
 * not grow with the month's history (an import of five dumps over the same years rewrote every
 * month five times). A later piece supersedes an earlier one; once a month has MAX_PIECES, the next
 * commit changing it writes it whole and removes its pieces, in the same unit. A held month keeps each release's
 * JSON once made, so writing a month stringifies only the releases that changed. A month is read
 * as each release's JSON text, parsed when that release is first asked for: a reader of a few
 * releases of a month (the server's candidates, a lookup by key) does not build the other 500.
 */
export class LowReleases implements ReleaseStore {
  private readonly slots = new WeakMap<MonthDoc, Map<string, Slot>>();

  constructor(private readonly docs: Docs, private readonly disk: Disk, private readonly before: () => Promise<void>) {
    docs.serializeWith<MonthDoc>(isMonthFile, (doc) => this.serializeMonth(doc));
    docs.readWith<MonthDoc>(isMonthFile, (bytes, file) => this.readMonth(bytes, file));
  }

  /** A month file's releases as unparsed slots (undefined: not the plain frame, parse it whole). */
  private readMonth(bytes: Buffer, file: string): MonthDoc | undefined {
    const cut = sliceMonth(bytes);
    if (!cut) return undefined;
    const doc: MonthDoc = { releases: {} };
    const slots = new Map<string, Slot>();
    for (const [id, json] of cut) slots.set(id, { json, file });
    this.slots.set(doc, slots);
    return doc;
  }

  /** The files of a month, oldest first: its file, then its pieces. */
  private async monthFiles(month: string): Promise<string[]> {
    const pieces = (await this.monthsDoc()).pieces[month] ?? 0;
    return [monthFile(month), ...Array.from({ length: pieces }, (_, i) => monthPieceFile(month, i + 1))];
  }
  /** A held month file's (or piece's) releases by id, in file order. */
  private async fileSlots(rel: string): Promise<Map<string, Slot>> {
    const doc = await this.docs.get<MonthDoc>(rel, () => ({ releases: {} }));
    let slots = this.slots.get(doc);
    if (!slots) {
      slots = new Map(Object.entries(doc.releases).map(([id, value]) => [id, { value: decodeRelease(value) }]));
      this.slots.set(doc, slots);
    }
    return slots;
  }
  /** What JSON.stringify(doc) would give, reusing each release's JSON: in pieces, never joined (see `TextPieces`: joining month files, then flattening them to write, was a tenth of an import's page faults). */
  private serializeMonth(doc: MonthDoc): TextPieces {
    const slots = this.slots.get(doc);
    if (!slots || Object.keys(doc).length !== 1) return JSON.stringify(doc);
    const parts: string[] = ['{"releases":{'];
    for (const [id, slot] of slots) {
      // A release read from the file and never parsed is checked before its text is written again:
      // a corrupt month is reported and left as it is, never rewritten.
      if (slot.value === undefined && slot.file !== undefined) LowReleases.read(slot);
      slot.json ??= JSON.stringify(encodeRelease(slot.value!));
      parts.push(`${parts.length > 1 ? "," : ""}${JSON.stringify(id)}:`, slot.json);
    }
    parts.push("}}");
    return parts;
  }
  private static read(slot: Slot): StoredRelease {
    if (slot.value === undefined) {
      try {
        slot.value = decodeRelease(JSON.parse(slot.json!) as StoredRelease);
      } catch (error) {
        throw corrupt(slot.file ?? "(a month file)", (error as Error).message, error);
      }
    }
    return slot.value;
  }
  private keyShard(key: string) {
    return this.docs.get<KeyShard>(keyShardFile(key), () => ({ keys: {} }));
  }
  private titleShard(month: string) {
    return this.docs.get<TitleShard>(titleShardFile(month), () => ({ titles: {} }));
  }
  private async monthsDoc(): Promise<MonthsDoc> {
    const doc = await this.docs.get<MonthsDoc>(MONTHS, () => ({ months: {}, pieces: {} }));
    doc.pieces ??= {}; // held by a migration that made it without
    return doc;
  }
  /** A month's releases by id (its file, then each piece superseding), in file order. */
  private async monthSlots(month: string): Promise<Map<string, Slot>> {
    const files = await this.monthFiles(month);
    if (files.length === 1) return this.fileSlots(files[0]!);
    const merged = new Map<string, Slot>();
    for (const rel of files) for (const [id, slot] of await this.fileSlots(rel)) merged.set(id, slot);
    return merged;
  }

  /**
   * The month written whole by this unit: its file holds every release of the month (its pieces
   * merged in), and the pieces are removed in the same unit. Returns its releases, to change.
   */
  private async wholeMonth(month: string): Promise<Map<string, Slot>> {
    const months = await this.monthsDoc();
    const merged = await this.monthSlots(month);
    const doc = await this.docs.get<MonthDoc>(monthFile(month), () => ({ releases: {} }));
    const pieces = months.pieces[month] ?? 0;
    if (pieces > 0) {
      this.slots.set(doc, merged);
      for (let n = 1; n <= pieces; n++) this.docs.remove(monthPieceFile(month, n));
      delete months.pieces[month];
      this.docs.touch(MONTHS);
    }
    this.docs.touch(monthFile(month));
    return merged;
  }

  /**
   * Where this unit writes a month's new and revised releases: a new piece, when the month already
   * has releases (and fewer than MAX_PIECES pieces); else the month file, written whole.
   */
  private async target(month: string, open: Map<string, Map<string, Slot>>): Promise<Map<string, Slot>> {
    const held = open.get(month);
    if (held) return held;
    const months = await this.monthsDoc();
    const pieces = months.pieces[month] ?? 0;
    let slots: Map<string, Slot>;
    if ((months.months[month] ?? 0) === 0 || pieces >= MAX_PIECES) slots = await this.wholeMonth(month);
    else {
      const rel = monthPieceFile(month, pieces + 1);
      const doc = this.docs.create<MonthDoc>(rel, { releases: {} });
      slots = new Map();
      this.slots.set(doc, slots);
      months.pieces[month] = pieces + 1;
      this.docs.touch(MONTHS);
    }
    open.set(month, slots);
    return slots;
  }

  /**
   * Stages new and revised releases into the held documents (the caller's unit writes them): keeps
   * each one's JSON, which is what the month file gets and what a later read parses.
   */
  async stage(releases: readonly StoredRelease[]): Promise<void> {
    const months = await this.monthsDoc();
    /** Per month, where this unit writes its releases (a piece, or the whole month). */
    const open = new Map<string, Map<string, Slot>>();
    for (const [i, release] of releases.entries()) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(release.date)) throw new PressroomError("STATE_IO", `store: release ${release.id} has no London date (YYYY-MM-DD): "${release.date}"`);
      const json = JSON.stringify(encodeRelease(release));
      const month = monthOf(release.date);
      const idKey = `id:${release.id}`;
      const before = (await this.keyShard(idKey)).keys[idKey];
      if (before && before[1] !== month) {
        // Its date moved it to another month: the old month is written whole, without it.
        const old = await this.wholeMonth(before[1]);
        open.set(before[1], old);
        if (old.delete(release.id)) {
          months.months[before[1]] = Math.max(0, (months.months[before[1]] ?? 1) - 1);
          if (months.months[before[1]] === 0) delete months.months[before[1]];
          this.docs.touch(MONTHS);
        }
      }
      // New to this month when its id is not indexed here (the key index names every stored release).
      const isNew = !before || before[1] !== month;
      const slots = await this.target(month, open);
      if (isNew) {
        months.months[month] = (months.months[month] ?? 0) + 1;
        this.docs.touch(MONTHS);
      }
      // Only the JSON is kept: the object's strings may be slices of a source's text (a dump read
      // 2 MB at a time), which a held object would keep alive whole. A read parses it again.
      slots.set(release.id, { json });
      for (const key of storedKeys(release)) {
        const shard = await this.keyShard(key);
        const hit = shard.keys[key];
        if (hit?.[0] === release.id && hit[1] === month) continue;
        shard.keys[key] = [release.id, month];
        this.docs.touch(keyShardFile(key));
      }
      for (const key of titleKeysOf(release)) {
        const shard = await this.titleShard(month);
        const list = shard.titles[key] ?? [];
        const at = list.findIndex((e) => e[0] === release.id);
        const entry: [string, string, string] = [release.id, month, release.date];
        if (at >= 0 && list[at]![1] === month && list[at]![2] === release.date) continue;
        if (at >= 0) list[at] = entry;
        else list.push(entry);
        shard.titles[key] = list;
        this.docs.touch(titleShardFile(month));
      }
      if (i % 200 === 199) await yieldNow();
    }
  }

  /** A release of a month: in its newest piece holding it, else in the month file. */
  private async inHeldMonth(month: string, id: string): Promise<StoredRelease | undefined> {
    const files = await this.monthFiles(month);
    for (let i = files.length - 1; i >= 0; i--) {
      const slot = (await this.fileSlots(files[i]!)).get(id);
      if (slot) return LowReleases.read(slot);
    }
    return undefined;
  }

  private async lookup(key: string): Promise<StoredRelease | undefined> {
    const hit = (await this.keyShard(key)).keys[key];
    return hit ? this.inHeldMonth(hit[1], hit[0]) : undefined;
  }

  /**
   * A release by id: first in the month its id names (a release is in one month file only, so
   * finding it there is the answer, without reading the key index), else through the index (its
   * date was revised into another month).
   */
  private async byId(id: string): Promise<StoredRelease | undefined> {
    const month = idMonth(id);
    return (month ? await this.inHeldMonth(month, id) : undefined) ?? this.lookup(`id:${id}`);
  }

  async byKeys(keys: readonly string[]): Promise<Map<string, StoredRelease>> {
    await this.before();
    const out = new Map<string, StoredRelease>();
    for (const key of keys) {
      const found = await this.lookup(key);
      if (found) out.set(key, found);
    }
    return out;
  }

  async byTitleKeys(lookups: readonly TitleLookup[]): Promise<StoredRelease[][]> {
    await this.before();
    const answers: StoredRelease[][] = [];
    const stored = Object.keys((await this.monthsDoc()).months).sort();
    for (const { titleKey, from, to } of lookups) {
      const out: StoredRelease[] = [];
      // The title files of the months the dates span (a release's entry is in its own month's).
      for (const shardMonth of stored.filter((m) => m >= monthOf(from) && m <= monthOf(to))) {
        for (const [id, month, date] of (await this.titleShard(shardMonth)).titles[titleKey] ?? []) {
          if (date < from || date > to) continue;
          const release = await this.inHeldMonth(month, id);
          if (release && release.date >= from && release.date <= to && !out.some((r) => r.id === release.id)) out.push(release);
        }
      }
      answers.push(out);
    }
    return answers;
  }

  async get(id: string): Promise<StoredRelease | undefined> {
    await this.before();
    return this.byId(id);
  }

  async getMany(ids: readonly string[]): Promise<StoredRelease[]> {
    await this.before();
    // A few releases of a month not held (search results across the years) are picked out of its
    // file; a month held, or wanted for many releases, is read whole and held.
    const wanted = new Map<string, string[]>();
    const files = new Map<string, string[]>();
    for (const id of ids) {
      const month = idMonth(id);
      if (!month) continue;
      if (!files.has(month)) files.set(month, await this.monthFiles(month));
      if (files.get(month)!.some((rel) => this.docs.isHeld(rel))) continue;
      const list = wanted.get(month);
      if (list) list.push(id);
      else wanted.set(month, [id]);
    }
    const picked = new Map<string, StoredRelease>();
    for (const [month, list] of wanted) {
      if (list.length > PICK_UP_TO) continue;
      // Oldest file first: a piece's copy supersedes the month file's.
      for (const rel of files.get(month)!) {
        const bytes = await this.disk.readBytes(rel);
        if (bytes) for (const [id, release] of pickReleases(bytes, list)) picked.set(id, release);
      }
    }
    const out: StoredRelease[] = [];
    for (const id of ids) {
      const found = picked.get(id) ?? (await this.byId(id));
      if (found) out.push(found);
    }
    return out;
  }

  async inMonth(month: string): Promise<StoredRelease[]> {
    await this.before();
    if (!/^\d{4}-\d{2}$/.test(month)) return [];
    return [...(await this.monthSlots(month)).values()].map((slot) => LowReleases.read(slot));
  }

  async months(): Promise<string[]> {
    await this.before();
    return Object.entries((await this.monthsDoc()).months).filter(([, n]) => n > 0).map(([m]) => m).sort();
  }

  async count(): Promise<number> {
    await this.before();
    return Object.values((await this.monthsDoc()).months).reduce((a, b) => a + b, 0);
  }

  async *all(): AsyncIterable<StoredRelease> {
    for (const month of (await this.months()).reverse()) yield* await this.inMonth(month);
  }
}
