import type { FeedEntry } from "../../core/ports.js";
import { type Block, releaseTexts, type ReleaseText } from "../../core/release.js";

/** What a search segment is built from: a release's entry and its text. */
export type IndexedRelease = FeedEntry & ReleaseText;

/**
 * Releases as the search worker receives them: their texts (`releaseTexts`) encoded as UTF-8 in
 * one buffer that is transferred, not copied, and a few flat arrays. The release objects were
 * structured-cloned a string and an object at a time: per 20,000 releases about 0.7 s on the main
 * thread (profiled) and 1 s to take apart on the worker (v8.deserialize of the same messages).
 * Packing costs about 0.5 s here and decoding 0.1 s there, with less garbage on both threads.
 */
export interface PackedReleases {
  readonly entries: readonly FeedEntry[];
  readonly kinds: readonly string[];
  /** Every text, one after another: title, summary, then each paragraph or list item. */
  readonly bytes: Uint8Array;
  /** The byte length of each text, in order. */
  readonly lengths: Uint32Array;
  /** Per release, its number of blocks, then per block -1 (a paragraph) or its number of items (a list). */
  readonly shape: Int32Array;
}

/**
 * Packs releases to post to the worker; undefined when a text holds a lone surrogate, which UTF-8
 * cannot carry (the caller posts the objects themselves then).
 */
export function packReleases(releases: readonly IndexedRelease[]): { packed: PackedReleases; transfer: ArrayBuffer[] } | undefined {
  const texts: string[] = [];
  const shape: number[] = [];
  for (const release of releases) {
    texts.push(...releaseTexts(release));
    shape.push(release.body.length);
    for (const block of release.body) shape.push(block.type === "paragraph" ? -1 : block.items.length);
  }
  let chars = 0;
  for (const text of texts) {
    if (!text.isWellFormed()) return undefined;
    chars += text.length;
  }
  // A UTF-16 unit is at most three bytes of UTF-8 (a pair of two units is four). Its own memory
  // (not Node's shared pool), so it can be transferred; pages never written are never touched.
  const buffer = Buffer.allocUnsafeSlow(chars * 3);
  const lengths = new Uint32Array(texts.length);
  let at = 0;
  for (let i = 0; i < texts.length; i++) {
    const written = buffer.write(texts[i]!, at);
    lengths[i] = written;
    at += written;
  }
  const packed: PackedReleases = {
    entries: releases.map((r) => ({ id: r.id, date: r.date, updatedAt: r.updatedAt })),
    kinds: releases.map((r) => r.kind),
    bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, at),
    lengths,
    shape: Int32Array.from(shape),
  };
  return { packed, transfer: [buffer.buffer as ArrayBuffer, lengths.buffer as ArrayBuffer, packed.shape.buffer as ArrayBuffer] };
}

/** The releases `packReleases` packed, with the same texts. */
export function unpackReleases(packed: PackedReleases): IndexedRelease[] {
  const bytes = Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset, packed.bytes.byteLength);
  let text = 0;
  let at = 0;
  const next = (): string => {
    const end = at + packed.lengths[text++]!;
    const value = bytes.toString("utf8", at, end);
    at = end;
    return value;
  };
  const out: IndexedRelease[] = [];
  let s = 0;
  for (let i = 0; i < packed.entries.length; i++) {
    const title = next();
    const summary = next();
    const body: Block[] = [];
    const blocks = packed.shape[s++]!;
    for (let b = 0; b < blocks; b++) {
      const items = packed.shape[s++]!;
      if (items < 0) body.push({ type: "paragraph", text: next() });
      else body.push({ type: "list", items: Array.from({ length: items }, next) });
    }
    out.push({ ...packed.entries[i]!, kind: packed.kinds[i]!, title, summary, body });
  }
  return out;
}
