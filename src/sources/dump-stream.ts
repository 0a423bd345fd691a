import { createHash } from "node:crypto";
import { type FileHandle, open, stat } from "node:fs/promises";
import { isPressroomError, PressroomError } from "../core/errors.js";
import type { SourceBatch, SourceItem } from "../core/source.js";
import { unreadable } from "./dump-files.js";
import { DUMP_HEADER_EXAMPLE, noReleaseFound, parseDumpPiece } from "./dump-parse.js";

export interface DumpStreamOptions {
  /** Path to read. */
  readonly path: string;
  /** As errors and warnings name the file. */
  readonly display: string;
  /** File name the item ids start with (`<name>:<line>`). */
  readonly name: string;
  readonly department: string | undefined;
  /** Releases per batch. */
  readonly batchSize: number;
  /** Warnings are appended here as the file is read. */
  readonly warnings: string[];
  /** The file's hash, when it was worked out before: the text read must have it. */
  readonly expectedHash?: string;
  /** Bytes parsed at a time, at least (default 32 KiB); tests make it small to split a dump everywhere. */
  readonly pieceBytes?: number;
  /** Bytes read at a time (default 1 MiB). */
  readonly readBytes?: number;
  /** Bytes read so far, and the file's size. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Called with the content hash of what was read, once the whole file is read. */
  readonly onHash?: (hash: string) => void;
}

/**
 * Bytes parsed at a time: whole releases, from about this much text. Small, so that each piece's
 * text is an ordinary string: V8 puts a string of 128 KiB and more in fresh pages of its own, and on
 * a virtual machine a fresh page costs about 10 µs to touch. Decoding a dump a megabyte at a time
 * took 430 ms per 64 MB here, against 75 ms in pieces of 64 KiB.
 */
const PIECE_BYTES = 1 << 15;
/** Bytes read at a time, into one buffer kept for the whole file. */
const READ_BYTES = 1 << 20;

/**
 * Reads a dump file a piece at a time and yields its releases in batches, in file order, exactly
 * as `parseDump` of the whole text would give them (line numbers included). Memory stays at a
 * piece and a batch, whatever the file's size. Throws `DUMP_EMPTY` (after the whole file, before
 * any batch) for a file with no release, and `DUMP_CHANGED` if the file's hash is not the one
 * expected (it changed after it was first hashed).
 */
export async function* streamDumpFile(options: DumpStreamOptions): AsyncGenerator<SourceBatch> {
  const { path, display, name, department, batchSize, warnings } = options;
  const hash = createHash("sha256");
  let total = 0;
  try {
    total = (await stat(path)).size;
  } catch (error) {
    throw unreadable(path, error);
  }
  let nextLine = 1;
  let nonBlank = false;
  let found = 0;
  let done = 0;
  let batch: SourceItem[] = [];

  const parse = (bytes: Buffer): void => {
    let text = bytes.toString("utf8");
    if (nextLine === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (!nonBlank && /\S/.test(text)) nonBlank = true;
    const parsed = parseDumpPiece(text, display, nextLine, department === undefined ? {} : { department });
    for (const warning of parsed.warnings) warnings.push(warning);
    for (const { release, line } of parsed.releases) batch.push({ release, sourceItemId: `${name}:${line}` });
    found += parsed.releases.length;
    nextLine += countLines(bytes);
  };

  // The file is read into one buffer, kept for the whole file: what is not yet parsed (less than a
  // piece, or one release longer than a piece) moves to its front before the next read. Pieces are
  // cut in bytes, just before a header line (an ASCII line break, so never inside a character),
  // and each is decoded once: no text is copied or re-scanned as it grows.
  const pieceBytes = options.pieceBytes ?? PIECE_BYTES;
  const readBytes = options.readBytes ?? READ_BYTES;
  let buffer = Buffer.allocUnsafeSlow(Math.max(2 * readBytes, pieceBytes + readBytes));
  let held = 0;
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, "r");
    for (;;) {
      if (held + readBytes > buffer.length) {
        const bigger = Buffer.allocUnsafeSlow(Math.max(buffer.length * 2, held + readBytes));
        buffer.copy(bigger, 0, 0, held);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, held, readBytes, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(held, held + bytesRead));
      held += bytesRead;
      done += bytesRead;
      options.onProgress?.(done, total);
      let start = 0;
      for (let cut = headerAfter(buffer, start + pieceBytes, held); cut > 0; cut = headerAfter(buffer, start + pieceBytes, held)) {
        parse(buffer.subarray(start, cut));
        start = cut;
      }
      buffer.copyWithin(0, start, held);
      held -= start;
      // A batch goes out only when another is known to follow or the file ends, never empty.
      while (batch.length >= batchSize) {
        yield { items: batch.slice(0, batchSize), done, total };
        batch = batch.slice(batchSize);
      }
    }
  } catch (error) {
    if (isPressroomError(error)) throw error;
    throw unreadable(path, error);
  } finally {
    await handle?.close();
  }
  parse(buffer.subarray(0, held));
  if (found === 0) {
    throw nonBlank ? noReleaseFound(display, warnings) : new PressroomError("DUMP_EMPTY", `${display}: file is empty (expected lines like ${JSON.stringify(DUMP_HEADER_EXAMPLE)})`);
  }
  const digest = hash.digest("hex").slice(0, 32);
  if (options.expectedHash !== undefined && digest !== options.expectedHash) {
    throw new PressroomError("DUMP_CHANGED", `${display}: the file changed while it was being read; what was read is stored, and the file is read again at the next run`);
  }
  options.onHash?.(digest);
  while (batch.length > 0) {
    yield { items: batch.slice(0, batchSize), done: batch.length <= batchSize ? total : done, total };
    batch = batch.slice(batchSize);
  }
}

/** Lines a piece of whole lines spans (a piece ends just after a line break, or at the file's end). */
function countLines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, i + 1)) n++;
  return n;
}

const LF = 0x0a;
/** A line break, two spaces and a bullet: what starts a release header line (see `isHeaderAt`). */
const HEADER = Buffer.from("\n  \u2022", "utf8");

/**
 * Where the first release header line at or after `from` starts, in `bytes[0, end)` (just after its
 * line break); -1 when none is known yet (one cut off at `end` is found after the next read).
 */
function headerAfter(buffer: Buffer, from: number, end: number): number {
  if (from >= end) return -1;
  const bytes = buffer.subarray(0, end);
  for (let at = bytes.indexOf(HEADER, Math.max(from - 1, 0)); at !== -1 && at + HEADER.length < end; at = bytes.indexOf(HEADER, at + 1)) {
    const next = bytes[at + HEADER.length];
    // The bullet must be followed by a blank: a space, a tab, a CR, or a no-break space (C2 A0).
    if (next === 0x20 || next === 0x09 || next === 0x0d || (next === 0xc2 && at + HEADER.length + 1 < end && bytes[at + HEADER.length + 1] === 0xa0)) return at + 1;
  }
  return -1;
}
