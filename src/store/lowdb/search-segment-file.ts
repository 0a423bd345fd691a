import { closeSync, openSync, readSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { FeedEntry } from "../../core/ports.js";
import type { Disk } from "./disk.js";
import { withPairFilters, type Segment, type SegmentContents } from "./search-segment.js";

/*
 * A merged segment of the search index (`search/seg-N.idx`), read piecemeal: opening it reads a
 * header and a sparse dictionary (the first key of every block of 64), and a key's postings cost
 * three small reads (the block's key offsets, its keys, the key's postings). Nothing is read whole.
 *
 *   "PRSX3\n" · u32 header length · header JSON {docs, terms, block, sections: {name: [offset, bytes]}}
 *   sections (each starting at a multiple of 4):
 *     docOffsets  u32 × (docs+1)     byte offsets into docBlob
 *     docBlob     per entry, newest first: JSON [id, date, updatedAt]
 *     hashes      u32 × docs         hashes of the entries' ids, ascending
 *     hashOrds    u32 × docs         the ordinal of each hash
 *     blockOffsets u32 × (blocks+1)  byte offsets into blockKeys
 *     blockKeys   the first key of every block, UTF-8
 *     keyOffsets  u32 × (terms+1)    byte offsets into keyBlob
 *     keyBlob     the keys, sorted (JavaScript string order), UTF-8
 *     postOffsets u32 × (terms+1)    offsets (in entries) into postings
 *     postings    u32 ordinals, ascending per key
 *     filterOffsets u32 × (docs+1)   byte offsets into filterBlob
 *     filterBlob  per entry, newest first: the filter of its word pairs (src/store/pair-filter.ts)
 *
 * Keys are words and `kind:` keys; word pairs are in the filters. Version 2 ("PRSX2\n", still
 * read) had no filter sections and posted pairs as keys; merging turns them into filters.
 *
 * Reads are synchronous: each is small and served from the page cache, and a query is a few dozen.
 */

const MAGIC = Buffer.from("PRSX3\n");
const MAGIC_V2 = Buffer.from("PRSX2\n");
/** Keys per dictionary block. */
const BLOCK = 64;
/** Entries decoded per read of the entry table. */
const DOC_CHUNK = 128;
const EMPTY = new Uint32Array(0);

const SECTIONS = ["docOffsets", "docBlob", "hashes", "hashOrds", "blockOffsets", "blockKeys", "keyOffsets", "keyBlob", "postOffsets", "postings", "filterOffsets", "filterBlob"] as const;
type SectionName = (typeof SECTIONS)[number];

interface Header {
  docs: number;
  terms: number;
  block: number;
  sections: Record<SectionName, [number, number]>;
}

/** FNV-1a over the id's UTF-16 code units: the entry table's hash (equal hashes are told apart by the ids). */
export function idHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Byte offsets of pieces laid end to end, and the pieces joined. */
function packBytes(buffers: readonly Uint8Array[]): { offsets: Uint32Array; blob: Buffer } {
  const offsets = new Uint32Array(buffers.length + 1);
  buffers.forEach((b, i) => {
    offsets[i + 1] = offsets[i]! + b.length;
  });
  return { offsets, blob: Buffer.concat(buffers) };
}

/**
 * Byte offsets of UTF-8 pieces laid end to end, and the pieces joined: encoded once, joined (a
 * buffer per key was a tenth of the search worker's time). When the pieces are ASCII, as keys and
 * entries mostly are, their byte offsets are their lengths.
 */
function packStrings(pieces: readonly string[]): { offsets: Uint32Array; blob: Buffer } {
  const joined = pieces.join("");
  const blob = Buffer.from(joined);
  if (blob.length !== joined.length) return packBytes(pieces.map((p) => Buffer.from(p)));
  const offsets = new Uint32Array(pieces.length + 1);
  for (let i = 0; i < pieces.length; i++) offsets[i + 1] = offsets[i]! + pieces[i]!.length;
  return { offsets, blob };
}

const bytesOf = (a: Uint32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Encodes a segment's content (entries newest first, keys sorted) as an `.idx` file. */
export function encodeSegment(given: SegmentContents): Buffer {
  return Buffer.concat(segmentPieces(given));
}

/**
 * The bytes of an `.idx` file as pieces to write one after another (the header, then each section
 * after its padding): a merge writes tens of megabytes, and a copy of them all in one buffer would
 * stand beside the sections it was made from.
 */
export function segmentPieces(given: SegmentContents): Buffer[] {
  const contents = withPairFilters(given);
  const { docs, keys, offsets, postings } = contents;
  const filterTable = packBytes(contents.filters!);
  const docTable = packStrings(docs.map((d) => JSON.stringify([d.id, d.date, d.updatedAt])));
  const pairs = docs.map((d, ord) => [idHash(d.id), ord] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const blocks = packStrings(keys.filter((_, i) => i % BLOCK === 0));
  const keyTable = packStrings(keys);
  const parts: Record<SectionName, Buffer> = {
    docOffsets: bytesOf(docTable.offsets),
    docBlob: docTable.blob,
    hashes: bytesOf(Uint32Array.from(pairs, (p) => p[0])),
    hashOrds: bytesOf(Uint32Array.from(pairs, (p) => p[1])),
    blockOffsets: bytesOf(blocks.offsets),
    blockKeys: blocks.blob,
    keyOffsets: bytesOf(keyTable.offsets),
    keyBlob: keyTable.blob,
    postOffsets: bytesOf(offsets),
    postings: bytesOf(postings),
    filterOffsets: bytesOf(filterTable.offsets),
    filterBlob: filterTable.blob,
  };
  // The header's length depends on the offsets it lists: lay the sections out from a fixed start.
  const sections = {} as Record<SectionName, [number, number]>;
  const draft = (start: number) => {
    let at = start;
    for (const name of SECTIONS) {
      at = Math.ceil(at / 4) * 4;
      sections[name] = [at, parts[name].length];
      at += parts[name].length;
    }
    return Buffer.from(JSON.stringify({ docs: docs.length, terms: keys.length, block: BLOCK, sections } satisfies Header));
  };
  let start = MAGIC.length + 4 + 256;
  let header = draft(start);
  while (MAGIC.length + 4 + header.length > start) {
    start = Math.ceil((MAGIC.length + 4 + header.length) / 4) * 4 + 64;
    header = draft(start);
  }
  const head = Buffer.alloc(start);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(header.length, MAGIC.length);
  header.copy(head, MAGIC.length + 4);
  const pieces: Buffer[] = [head];
  let at = start;
  for (const name of SECTIONS) {
    const [from] = sections[name];
    if (from > at) pieces.push(Buffer.alloc(from - at));
    pieces.push(parts[name]);
    at = from + parts[name].length;
  }
  return pieces;
}

/** Opens an `.idx` segment: reads its header and sparse dictionary; the rest on demand. */
export function openFileSegment(path: string): Segment {
  const fd = openSync(path, "r");
  try {
    return new FileSegment(path, fd);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

class FileSegment implements Segment {
  private readonly header: Header;
  private readonly blockFirst: string[];
  private readonly chunks = new Map<number, { offsets: Uint32Array; blob: Buffer }>();
  private readonly filterChunks = new Map<number, { offsets: Uint32Array; blob: Buffer }>();
  readonly filtered: boolean;
  private hashes: Uint32Array | undefined;
  private hashOrds: Uint32Array | undefined;
  private closed = false;

  constructor(private readonly path: string, private readonly fd: number) {
    const head = this.bytes(0, MAGIC.length + 4);
    this.filtered = head.subarray(0, MAGIC.length).equals(MAGIC);
    if (!this.filtered && !head.subarray(0, MAGIC.length).equals(MAGIC_V2)) throw new Error(`${path} is not a search segment`);
    this.header = JSON.parse(this.bytes(MAGIC.length + 4, head.readUInt32LE(MAGIC.length)).toString("utf8")) as Header;
    const blocks = Math.ceil(this.header.terms / this.header.block);
    const offsets = this.u32("blockOffsets", 0, blocks + 1);
    const blob = this.bytes(this.header.sections.blockKeys[0], offsets[blocks]!);
    this.blockFirst = Array.from({ length: blocks }, (_, i) => blob.toString("utf8", offsets[i]!, offsets[i + 1]!));
  }

  get size(): number {
    return this.header.docs;
  }

  private bytes(position: number, length: number): Buffer {
    const out = Buffer.allocUnsafeSlow(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, position + done);
      if (n === 0) throw new Error(`${this.path} is cut short`);
      done += n;
    }
    return out;
  }

  /** `count` u32 values of a section from index `from`. */
  private u32(section: SectionName, from: number, count: number): Uint32Array {
    if (count <= 0) return EMPTY;
    const b = this.bytes(this.header.sections[section][0] + from * 4, count * 4);
    return new Uint32Array(b.buffer, b.byteOffset, count);
  }

  postings(key: string): Uint32Array {
    const first = this.blockFirst;
    let lo = 0;
    let hi = first.length - 1;
    let block = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (first[mid]! <= key) {
        block = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (block < 0) return EMPTY;
    const from = block * this.header.block;
    const count = Math.min(this.header.block, this.header.terms - from);
    const offsets = this.u32("keyOffsets", from, count + 1);
    const blob = this.bytes(this.header.sections.keyBlob[0] + offsets[0]!, offsets[count]! - offsets[0]!);
    for (let i = 0; i < count; i++) {
      const term = blob.toString("utf8", offsets[i]! - offsets[0]!, offsets[i + 1]! - offsets[0]!);
      if (term === key) {
        const at = this.u32("postOffsets", from + i, 2);
        return this.u32("postings", at[0]!, at[1]! - at[0]!);
      }
      if (term > key) break;
    }
    return EMPTY;
  }

  /** The bytes of the entry at `ord` in a per-entry table (offsets and blob sections), read a chunk of entries at a time. */
  private entryBytes(chunks: Map<number, { offsets: Uint32Array; blob: Buffer }>, offsetSection: SectionName, blobSection: SectionName, ord: number): Buffer {
    const c = Math.floor(ord / DOC_CHUNK);
    let chunk = chunks.get(c);
    if (!chunk) {
      const from = c * DOC_CHUNK;
      const count = Math.min(DOC_CHUNK, this.header.docs - from);
      const offsets = this.u32(offsetSection, from, count + 1);
      const blob = this.bytes(this.header.sections[blobSection][0] + offsets[0]!, offsets[count]! - offsets[0]!);
      // A long walk (every candidate of a common word) keeps only the chunks it is reading.
      if (chunks.size >= 64) chunks.clear();
      chunks.set(c, (chunk = { offsets, blob }));
    }
    const i = ord - c * DOC_CHUNK;
    const base = chunk.offsets[0]!;
    return chunk.blob.subarray(chunk.offsets[i]! - base, chunk.offsets[i + 1]! - base);
  }

  doc(ord: number): FeedEntry {
    const [id, date, updatedAt] = JSON.parse(this.entryBytes(this.chunks, "docOffsets", "docBlob", ord).toString("utf8")) as [string, string, string];
    return { id, date, updatedAt };
  }

  filter(ord: number): Uint8Array {
    if (!this.filtered) throw new Error(`store: internal: ${this.path} posts its word pairs (no filters)`);
    return this.entryBytes(this.filterChunks, "filterOffsets", "filterBlob", ord);
  }

  holds(id: string): boolean {
    this.hashes ??= this.u32("hashes", 0, this.header.docs);
    this.hashOrds ??= this.u32("hashOrds", 0, this.header.docs);
    const h = idHash(id);
    const hashes = this.hashes;
    let lo = 0;
    let hi = hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hashes[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < hashes.length && hashes[i] === h; i++) if (this.doc(this.hashOrds[i]!).id === id) return true;
    return false;
  }

  async contents(): Promise<SegmentContents> {
    const file = await readFile(this.path);
    const { docs, terms, sections } = this.header;
    // Sections start at multiples of 4: read in place (the postings are most of the file), copied
    // only if the buffer itself is not aligned.
    const u32 = (name: SectionName) => {
      const [at, bytes] = sections[name];
      if ((file.byteOffset + at) % 4 === 0) return new Uint32Array(file.buffer, file.byteOffset + at, bytes / 4);
      const out = new Uint32Array(bytes / 4);
      Buffer.from(out.buffer).set(file.subarray(at, at + bytes));
      return out;
    };
    const docOffsets = u32("docOffsets");
    const docAt = sections.docBlob[0];
    const entries: FeedEntry[] = [];
    for (let i = 0; i < docs; i++) {
      const [id, date, updatedAt] = JSON.parse(file.toString("utf8", docAt + docOffsets[i]!, docAt + docOffsets[i + 1]!)) as [string, string, string];
      entries.push({ id, date, updatedAt });
    }
    const keyOffsets = u32("keyOffsets");
    const keyAt = sections.keyBlob[0];
    const keys: string[] = [];
    for (let i = 0; i < terms; i++) keys.push(file.toString("utf8", keyAt + keyOffsets[i]!, keyAt + keyOffsets[i + 1]!));
    const base = { docs: entries, keys, offsets: u32("postOffsets"), postings: u32("postings") };
    if (!this.filtered) return base;
    const filterOffsets = u32("filterOffsets");
    const filterAt = sections.filterBlob[0];
    // Copies, so the filters do not keep the whole file's buffer alive.
    const filters = Array.from({ length: docs }, (_, i) => new Uint8Array(file.subarray(filterAt + filterOffsets[i]!, filterAt + filterOffsets[i + 1]!)));
    return { ...base, filters };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Writes a segment as `.idx` through `disk`, durably, its pieces one after another (no copy of the whole file). */
export async function writeSegmentFile(disk: Disk, file: string, contents: SegmentContents): Promise<void> {
  const pieces = segmentPieces(contents);
  await disk.write(file, (async function* () {
    yield* pieces;
  })());
}
