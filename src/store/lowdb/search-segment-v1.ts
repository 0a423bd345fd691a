import { readFile } from "node:fs/promises";
import type { FeedEntry } from "../../core/ports.js";
import { finishSegment, rankNewestFirst, type Segment } from "./search-segment.js";

/*
 * A merged segment written before the `.idx` format (`search/seg-N.bin`): entries in commit order.
 * It is read into memory and its entries numbered newest first there; a key's postings are
 * renumbered when asked for. The next writer rewrites it as `.idx` (see LowSearchIndex); until then
 * queries still answer from it, at the speed they had.
 *
 *   "PRSX1\n" · u32 header length · header JSON {docs: [[id, date, updatedAt]…], terms}
 *   · (terms+1) u32 byte offsets into the dictionary · the sorted keys, UTF-8, concatenated
 *   · (terms+1) u32 offsets into the postings · the postings (u32 ordinals, ascending).
 */

const MAGIC = Buffer.from("PRSX1\n");
const EMPTY = new Uint32Array(0);

export async function readV1Segment(path: string): Promise<Segment> {
  const file = await readFile(path);
  if (!file.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error(`${path} is not a search segment`);
  let at = MAGIC.length + 4;
  const headerLength = file.readUInt32LE(MAGIC.length);
  const header = JSON.parse(file.toString("utf8", at, at + headerLength)) as { docs: [string, string, string][]; terms: number };
  at += headerLength;
  const u32 = (count: number) => {
    const out = new Uint32Array(count);
    Buffer.from(out.buffer).set(file.subarray(at, at + count * 4));
    at += count * 4;
    return out;
  };
  const n = header.terms;
  const dictOffsets = u32(n + 1);
  const dictAt = at;
  at += dictOffsets[n]!;
  const postOffsets = u32(n + 1);
  const postings = u32(postOffsets[n]!);
  const termAt = (i: number) => file.toString("utf8", dictAt + dictOffsets[i]!, dictAt + dictOffsets[i + 1]!);
  const raw: FeedEntry[] = header.docs.map(([id, date, updatedAt]) => ({ id, date, updatedAt }));

  // Each release's last entry, numbered newest first.
  const { live: docs, rank } = rankNewestFirst(raw);
  const held = new Set(docs.map((doc) => doc.id));
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
  const list = (i: number) => postings.subarray(postOffsets[i]!, postOffsets[i + 1]!);
  return {
    size: docs.length,
    postings: (key) => {
      const i = find(key);
      if (i < 0) return EMPTY;
      const own = list(i);
      const out = new Uint32Array(own.length);
      let m = 0;
      for (let j = 0; j < own.length; j++) {
        const place = rank[own[j]!]!;
        if (place >= 0) out[m++] = place;
      }
      return out.subarray(0, m).sort();
    },
    doc: (ord) => docs[ord]!,
    holds: (id) => held.has(id),
    filtered: false,
    filter: () => {
      throw new Error("store: internal: a segment of an earlier version posts its word pairs");
    },
    contents: async () => {
      const keys = Array.from({ length: n }, (_, i) => termAt(i));
      const at = new Map(keys.map((key, i) => [key, i]));
      return finishSegment(raw, keys, (key) => list(at.get(key)!));
    },
    close: () => {},
  };
}
