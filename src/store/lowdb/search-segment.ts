import { open, readFile } from "node:fs/promises";
import type { FeedEntry, SearchKeys } from "../../core/ports.js";
import type { StoredRelease } from "../../core/release.js";

/*
 * One segment of the persisted search index: some releases (local ordinals 0…n-1) and, per key,
 * the ordinals holding it. Two encodings of the same content:
 *
 * - small segments written by a commit, inside its unit of work (a journal step is text):
 *   JSON `{"docs": [[id, date, updatedAt]…], "keys": {key: [ordinal…]}}`;
 * - merged segments (binary, read piecemeal so a query reads only the postings it needs):
 *     "PRSX1\n" · u32 header length · header JSON {docs, terms}
 *     · (terms+1) u32 byte offsets into the dictionary · the sorted keys, UTF-8, concatenated
 *     · (terms+1) u32 offsets into the postings · the postings (u32 ordinals, ascending).
 */

const MAGIC = Buffer.from("PRSX1\n");

export interface Segment {
  readonly docs: readonly FeedEntry[];
  /** Ordinals of the docs holding the key (ascending). */
  postings(key: string): Promise<ArrayLike<number>>;
  /** Every key with its postings (merging). */
  entries(): Promise<Map<string, ArrayLike<number>>>;
}

/** Docs and postings built in memory, from releases or by merging segments. */
export class SegmentBuilder {
  readonly docs: FeedEntry[] = [];
  /** Per key, its ordinals (plain arrays: most keys, word pairs above all, hold one or two). */
  private readonly lists = new Map<string, number[]>();

  addRelease(release: StoredRelease, keys: SearchKeys): void {
    const ord = this.docs.length;
    this.docs.push({ id: release.id, date: release.date, updatedAt: release.updatedAt });
    for (const key of keys(release)) this.post(key, ord); // a repeated key is posted once (see post)
  }

  addDoc(doc: FeedEntry): number {
    this.docs.push(doc);
    return this.docs.length - 1;
  }

  /** Ordinals must be posted in ascending order per key. */
  post(key: string, ord: number): void {
    const list = this.lists.get(key);
    if (!list) this.lists.set(key, [ord]);
    else if (list[list.length - 1] !== ord) list.push(ord);
  }

  toJson(): string {
    const keys: Record<string, number[]> = {};
    for (const [key, list] of this.lists) keys[key] = list;
    return JSON.stringify({ docs: this.docs.map((d) => [d.id, d.date, d.updatedAt]), keys });
  }

  toBinary(): Buffer {
    const terms = [...this.lists.keys()].sort();
    const header = Buffer.from(JSON.stringify({ docs: this.docs.map((d) => [d.id, d.date, d.updatedAt]), terms: terms.length }));
    const dict = terms.map((t) => Buffer.from(t));
    const dictOffsets = new Uint32Array(terms.length + 1);
    const postOffsets = new Uint32Array(terms.length + 1);
    let total = 0;
    terms.forEach((t, i) => {
      dictOffsets[i + 1] = dictOffsets[i]! + dict[i]!.length;
      total += this.lists.get(t)!.length;
      postOffsets[i + 1] = total;
    });
    const postings = new Uint32Array(total);
    terms.forEach((t, i) => {
      const list = this.lists.get(t)!;
      postings.set(list, postOffsets[i]!);
    });
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length);
    return Buffer.concat([MAGIC, length, header, u32(dictOffsets), ...dict, u32(postOffsets), u32(postings)]);
  }
}

const u32 = (a: Uint32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const readDocs = (rows: [string, string, string][]): FeedEntry[] => rows.map(([id, date, updatedAt]) => ({ id, date, updatedAt }));

/** A JSON segment (small: read whole). */
export function parseJsonSegment(text: string): Segment {
  const data = JSON.parse(text) as { docs: [string, string, string][]; keys: Record<string, number[]> };
  const keys = new Map(Object.entries(data.keys));
  return {
    docs: readDocs(data.docs),
    postings: async (key) => keys.get(key) ?? [],
    entries: async () => keys,
  };
}

/** A binary segment: its header, dictionary and posting offsets are read at open; postings on demand. */
export async function openBinarySegment(path: string): Promise<Segment> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(MAGIC.length + 4);
    await handle.read(head, 0, head.length, 0);
    if (!head.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error(`${path} is not a search segment`);
    const headerLength = head.readUInt32LE(MAGIC.length);
    let at = head.length;
    const header = JSON.parse((await readAt(handle, at, headerLength)).toString("utf8")) as { docs: [string, string, string][]; terms: number };
    at += headerLength;
    const n = header.terms;
    const dictOffsets = toU32(await readAt(handle, at, (n + 1) * 4));
    at += (n + 1) * 4;
    const dict = await readAt(handle, at, dictOffsets[n]!);
    at += dict.length;
    const postOffsets = toU32(await readAt(handle, at, (n + 1) * 4));
    at += (n + 1) * 4;
    const postingsAt = at;
    const termAt = (i: number) => dict.toString("utf8", dictOffsets[i]!, dictOffsets[i + 1]!);
    const find = (key: string): number => {
      let lo = 0;
      let hi = n - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const t = termAt(mid);
        if (t === key) return mid;
        if (t < key) lo = mid + 1;
        else hi = mid - 1;
      }
      return -1;
    };
    const slice = async (i: number): Promise<Uint32Array> => {
      const from = postOffsets[i]!;
      const count = postOffsets[i + 1]! - from;
      if (count === 0) return new Uint32Array(0);
      const h = await open(path, "r");
      try {
        return toU32(await readAt(h, postingsAt + from * 4, count * 4));
      } finally {
        await h.close();
      }
    };
    return {
      docs: readDocs(header.docs),
      postings: async (key) => {
        const i = find(key);
        return i < 0 ? [] : slice(i);
      },
      entries: async () => {
        const all = toU32((await readFile(path)).subarray(postingsAt));
        const out = new Map<string, ArrayLike<number>>();
        for (let i = 0; i < n; i++) out.set(termAt(i), all.subarray(postOffsets[i]!, postOffsets[i + 1]!));
        return out;
      },
    };
  } finally {
    await handle.close();
  }
}

async function readAt(handle: import("node:fs/promises").FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new Error("search segment is cut short");
    done += bytesRead;
  }
  return buffer;
}

/** A copy, aligned (a Buffer's offset into its pool need not be a multiple of 4). */
function toU32(buffer: Buffer): Uint32Array {
  const out = new Uint32Array(buffer.length / 4);
  Buffer.from(out.buffer).set(buffer);
  return out;
}
