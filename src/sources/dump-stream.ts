import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
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
  /** Bytes parsed at a time, at least (default 1 MiB); tests make it small to split a dump everywhere. */
  readonly pieceBytes?: number;
  /** Bytes read at a time (default 1 MiB). */
  readonly readBytes?: number;
  /** Bytes read so far, and the file's size. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Called with the content hash of what was read, once the whole file is read. */
  readonly onHash?: (hash: string) => void;
}

/** Bytes parsed at a time: whole releases, from about this much text. */
const PIECE_BYTES = 1 << 20;

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
  let carry: Buffer = Buffer.alloc(0);
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

  // Pieces are cut in bytes, just before a header line (an ASCII line break, so never inside a
  // character), and each is decoded once: no text is copied or re-scanned as it grows.
  const pieceBytes = options.pieceBytes ?? PIECE_BYTES;
  const stream = createReadStream(path, { highWaterMark: options.readBytes ?? 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      done += chunk.length;
      options.onProgress?.(done, total);
      const bytes = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      const cut = bytes.length < pieceBytes ? -1 : lastHeaderByte(bytes);
      if (cut <= 0) {
        carry = bytes; // one release longer than a piece: read on
        continue;
      }
      parse(bytes.subarray(0, cut));
      carry = bytes.subarray(cut);
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
    stream.destroy();
  }
  parse(carry);
  carry = Buffer.alloc(0);
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

/** Where the last release header in `bytes` starts (after its line break), or -1. */
function lastHeaderByte(bytes: Buffer): number {
  for (let at = bytes.lastIndexOf(HEADER); at > 0; at = bytes.lastIndexOf(HEADER, at - 1)) {
    const next = bytes[at + HEADER.length];
    // The bullet must be followed by a blank: a space, a tab, a CR, or a no-break space (C2 A0).
    if (next === 0x20 || next === 0x09 || next === 0x0d || (next === 0xc2 && bytes[at + HEADER.length + 1] === 0xa0)) return at + 1;
  }
  return -1;
}
