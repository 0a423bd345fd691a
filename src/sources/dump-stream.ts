import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { isPressroomError, PressroomError } from "../core/errors.js";
import type { SourceBatch, SourceItem } from "../core/source.js";
import { unreadable } from "./dump-files.js";
import { DUMP_HEADER_EXAMPLE, lastHeaderStart, noReleaseFound, parseDumpPiece } from "./dump-parse.js";

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
  /** Characters parsed at a time (default 1 Mi); tests make it small to split a dump everywhere. */
  readonly pieceChars?: number;
  /** Bytes read at a time (default 1 MiB). */
  readonly readBytes?: number;
  /** Bytes read so far, and the file's size. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Called with the content hash of what was read, once the whole file is read. */
  readonly onHash?: (hash: string) => void;
}

/** Characters parsed at a time: whole releases up to about this much text. */
const PIECE_CHARS = 1 << 20;

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
  const decoder = new StringDecoder("utf8");
  let total = 0;
  try {
    total = (await stat(path)).size;
  } catch (error) {
    throw unreadable(path, error);
  }
  let pending = "";
  let nextLine = 1;
  let first = true;
  let nonBlank = false;
  let found = 0;
  let done = 0;
  let batch: SourceItem[] = [];

  const parse = (text: string): void => {
    if (!nonBlank && /\S/.test(text)) nonBlank = true;
    const parsed = parseDumpPiece(text, display, nextLine, department === undefined ? {} : { department });
    for (const warning of parsed.warnings) warnings.push(warning);
    for (const { release, line } of parsed.releases) batch.push({ release, sourceItemId: `${name}:${line}` });
    found += parsed.releases.length;
    nextLine += countLines(text);
  };

  const pieceChars = options.pieceChars ?? PIECE_CHARS;
  const stream = createReadStream(path, { highWaterMark: options.readBytes ?? 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      done += chunk.length;
      options.onProgress?.(done, total);
      pending += decoder.write(chunk);
      if (first && pending.length > 0) {
        if (pending.charCodeAt(0) === 0xfeff) pending = pending.slice(1);
        first = false;
      }
      if (pending.length < pieceChars) continue;
      const cut = lastHeaderStart(pending);
      if (cut <= 0) continue; // one release longer than a piece: read on
      parse(pending.slice(0, cut));
      pending = pending.slice(cut);
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
  pending += decoder.end();
  if (first && pending.charCodeAt(0) === 0xfeff) pending = pending.slice(1);
  parse(pending);
  pending = "";
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
function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
