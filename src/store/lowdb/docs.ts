import type { TextPieces } from "../../core/text-pieces.js";
import { corrupt, type Disk } from "./disk.js";

const kindOf = (value: unknown): string => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);

/**
 * A state document must have the shape its defaults have (same kind of value under every default
 * key); anything else is corrupt and is reported, never overwritten.
 */
function checkShape<T>(file: string, data: unknown, defaults: T): T {
  if (kindOf(data) !== "object") throw corrupt(file, `expected an object, found ${kindOf(data)}`);
  const record = data as Record<string, unknown>;
  for (const [key, value] of Object.entries(defaults as Record<string, unknown>)) {
    if (!(key in record)) {
      record[key] = value;
      continue;
    }
    if (kindOf(record[key]) !== kindOf(value)) throw corrupt(file, `"${key}" should be ${kindOf(value)}, found ${kindOf(record[key])}`);
  }
  return record as T;
}

/** Documents of which at most `limit` are held once no unit is changing them (the rest are read again when needed). */
export interface BulkyKind {
  readonly match: (rel: string) => boolean;
  readonly limit: number;
}

/**
 * JSON documents of the state folder, each read once and then held in memory (this process is the
 * only writer). Changes are made to the held object, marked with `touch`, and written by the
 * caller's unit of work (`staged`); a failed unit drops every held document (`forget`).
 */
export class Docs {
  private readonly held = new Map<string, Promise<unknown>>();
  private readonly touched = new Set<string>();
  /** Documents of the unit being written (staged, maybe not yet on disk): never evicted. */
  private writing = new Set<string>();
  /** Files the current unit of work removes (`remove`). */
  private removing = new Set<string>();
  /** Per kind of bulky document, those held, least recently used first (month files: a long import must not hold every month). */
  private readonly lru: { readonly kind: BulkyKind; readonly held: Map<string, true> }[];

  /** Documents read by their own parser from the file's bytes (undefined from it: parsed as JSON). */
  private readonly readers: { match: (rel: string) => boolean; read: (bytes: Buffer, file: string) => unknown }[] = [];

  /** Documents that serialise themselves (month files keep their releases' JSON, so unchanged releases are not stringified again). */
  private readonly serializers: { match: (rel: string) => boolean; serialize: (doc: unknown) => TextPieces }[] = [];

  constructor(private readonly disk: Disk, bulky: readonly BulkyKind[] = []) {
    this.lru = bulky.map((kind) => ({ kind, held: new Map() }));
  }

  private lruOf(rel: string): Map<string, true> | undefined {
    return this.lru.find((l) => l.kind.match(rel))?.held;
  }

  /** Moves a bulky document to the most recently used end of its kind's list; false when it is not bulky. */
  private used(rel: string): boolean {
    const lru = this.lruOf(rel);
    if (!lru) return false;
    lru.delete(rel);
    lru.set(rel, true);
    return true;
  }

  /** Documents matching `match` are written as `serialize(doc)` (it must give what JSON.stringify would, whole or in pieces). */
  serializeWith<T>(match: (rel: string) => boolean, serialize: (doc: T) => TextPieces): void {
    this.serializers.push({ match, serialize: serialize as (doc: unknown) => TextPieces });
  }

  /**
   * Documents matching `match` are read by `read(bytes, file)`; when it gives undefined the file's
   * text is parsed as JSON (a corrupt file is then reported as usual).
   */
  readWith<T>(match: (rel: string) => boolean, read: (bytes: Buffer, file: string) => T | undefined): void {
    this.readers.push({ match, read });
  }

  private async read(rel: string): Promise<unknown> {
    const reader = this.readers.find((r) => r.match(rel));
    if (!reader) return this.disk.readJson<unknown>(rel);
    const bytes = await this.disk.readBytes(rel);
    if (bytes === undefined) return undefined;
    return reader.read(bytes, this.disk.path(rel)) ?? this.disk.parseJson(rel, bytes.toString("utf8"));
  }

  get<T>(rel: string, init: () => T): Promise<T> {
    let doc = this.held.get(rel) as Promise<T> | undefined;
    if (!doc) {
      doc = (async () => {
        const data = await this.read(rel);
        const fresh = init();
        return data === undefined ? fresh : checkShape(this.disk.path(rel), data, fresh);
      })();
      this.held.set(rel, doc);
      doc.catch(() => this.held.delete(rel));
    }
    // Counted once held, and never dropped by its own count: before, a document read while the
    // limit was exceeded was dropped from the count before it was held, and then held for good.
    if (this.used(rel)) this.evict(rel);
    return doc;
  }

  /**
   * Holds `value` as the document `rel` without reading the file (a file this unit creates: what
   * the disk may hold under that name is not part of the state), and marks it changed.
   */
  create<T>(rel: string, value: T): T {
    this.removing.delete(rel);
    this.held.set(rel, Promise.resolve(value));
    this.used(rel);
    this.touch(rel);
    return value;
  }

  /** The current unit of work removes the file `rel`; its document is no longer held. */
  remove(rel: string): void {
    this.removing.add(rel);
    this.touched.delete(rel);
    this.held.delete(rel);
    this.lruOf(rel)?.delete(rel);
  }

  /** The files `remove` named since the last call, for the unit being written. */
  takeRemoves(): string[] {
    const out = [...this.removing];
    this.removing.clear();
    return out;
  }

  /** Whether the document is held (read, or being read) in memory. */
  isHeld(rel: string): boolean {
    return this.held.has(rel);
  }

  /** Marks a held document changed: the current unit of work writes it. */
  touch(rel: string): void {
    this.touched.add(rel);
  }

  /** The changed documents, serialised, and forgets the marks. */
  async staged(): Promise<{ path: string; data: TextPieces }[]> {
    const out: { path: string; data: TextPieces }[] = [];
    for (const rel of [...this.touched].sort()) {
      const doc = this.held.get(rel);
      if (!doc) throw new Error(`store: internal: ${rel} was changed but is no longer held`);
      const custom = this.serializers.find((s) => s.match(rel));
      out.push({ path: rel, data: custom ? custom.serialize(await doc) : JSON.stringify(await doc) });
    }
    // Units run one at a time: the previous one is on disk by now, this one is about to be written.
    this.writing = new Set(this.touched);
    this.touched.clear();
    return out;
  }

  /**
   * The unit `staged` gave is on disk: its documents may be dropped again, and those beyond the
   * limit now are. (Until the next unit, they were all kept: an import's chunk that touched forty
   * months held them, and the next chunk's, at once.)
   */
  written(): void {
    this.writing.clear();
    this.evict();
  }

  /** Drops the least recently used bulky documents beyond the limit that no unit is changing (the disk holds them). */
  private evict(keep?: string): void {
    for (const { kind, held } of this.lru) {
      for (const rel of held.keys()) {
        if (held.size <= kind.limit) break;
        if (rel === keep || this.touched.has(rel) || this.writing.has(rel)) continue;
        held.delete(rel);
        this.held.delete(rel);
      }
    }
  }

  /** Drops every held document (after a failed unit, or another process's commit). */
  forget(): void {
    this.held.clear();
    this.touched.clear();
    this.writing.clear();
    for (const { held } of this.lru) held.clear();
    this.removing.clear();
  }
}
