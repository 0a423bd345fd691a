import { createHash } from "node:crypto";
import type { Logger } from "../../core/logger.js";
import { joinPieces, piecesLength, type TextPieces } from "../../core/text-pieces.js";
import { type Disk, inParallel, yieldNow } from "./disk.js";
import { JOURNAL, OUTBOX_LOG } from "./layout.js";

/** One unit of work on the state folder: whole files replaced or removed, and lines appended to the outbox log. */
export interface Unit {
  readonly files: readonly { readonly path: string; readonly data: TextPieces }[];
  readonly removes?: readonly string[];
  /** JSON lines for the outbox log (its events are idempotent, so appending twice is harmless). */
  readonly log?: string | LogText;
}

/** Many log lines, made a chunk at a time when asked: a big enqueue is never one string, nor all of its chunks at once. */
export interface LogText {
  /** How many events the lines hold. */
  readonly events: number;
  chunks(): Iterable<string>;
}

/** Up to this many events travel inside the journal; more are staged in a temp file. */
const INLINE_EVENTS = 256;

/**
 * What `journal.json` holds: small files inline, and for big ones only the name of a durable temp
 * file already written beside its target (`[temp, target]`), so a big unit is written once, not
 * copied into the journal and hashed.
 */
interface JournalBody {
  /** Inline files (strings, once in the journal); a unit of one step applies its file as it is. */
  readonly files: readonly { readonly path: string; readonly data: TextPieces }[];
  readonly renames?: readonly (readonly [string, string])[];
  readonly removes?: readonly string[];
  readonly log?: string;
  /** A durable temp file holding the lines for the outbox log, when they are too many to carry inline. */
  readonly logFile?: string;
}

/** Staged files written, and renamed into place, at once (each is its own file: order does not matter). */
const FILES_PARALLEL = 4;

/** Small files travel inside the journal, smallest first, up to this many characters in all; the rest are staged as temp files first. */
export const INLINE_BUDGET = 256 * 1024;

const sum = (body: string): string => createHash("sha256").update(body).digest("hex");

/**
 * Applies every step; each is idempotent, so a recovered journal may be applied again. Behind a
 * durable journal the files are replaced atomically without an fsync each, then made durable
 * together (several fsyncs at once, each folder once) before the journal goes. A staged temp file
 * that is gone was renamed into place already.
 */
async function applySteps(disk: Disk, body: JournalBody, journalled: boolean, lazy: (rel: string) => boolean = () => false): Promise<void> {
  // Renames onto different targets, a few in flight at once (one at a time, a 20,000-release
  // import spent ~3 s waiting on them one by one).
  await inParallel(body.renames ?? [], FILES_PARALLEL, ([temp, target]) => disk.renameStaged(temp, target));
  for (const file of body.files) {
    await disk.write(file.path, file.data, { sync: !journalled });
    await yieldNow();
  }
  if (journalled) {
    await disk.syncFiles(body.files.map((f) => f.path).filter((rel) => !lazy(rel)));
    await disk.syncDirs((body.renames ?? []).map(([, target]) => target).filter((rel) => !lazy(rel)));
  }
  for (const rel of body.removes ?? []) await disk.remove(rel);
  if (body.log) await disk.append(OUTBOX_LOG, body.log);
  // The staged lines are copied into the log piece by piece (the temp file stays until the journal goes).
  if (body.logFile) await disk.append(OUTBOX_LOG, disk.pieces(body.logFile));
}

/** The lines as one string when they are few enough to carry inline (undefined: stage them). */
function inlineLog(log: string | LogText | undefined): string | undefined {
  if (log === undefined || typeof log === "string") return log;
  return log.events <= INLINE_EVENTS ? [...log.chunks()].join("") : undefined;
}

/**
 * Runs a unit all or nothing. With more than one step: files beyond INLINE_BUDGET are first
 * written to temp files beside their targets and made durable (a crash now leaves only temp files,
 * removed at the next open: the unit never happened); then `journal.json` is written durably (its
 * first line the SHA-256 of the rest) with the small files inline and the temp files' names; then
 * each step is applied (renames, writes, removals, the log append), then the journal is removed. A
 * crash after the journal leaves a whole one, which `recoverJournal` applies again at the next open.
 * Files `lazy` names (the key and title index) are replaced atomically but not fsynced: the caller
 * answers for their durability (see `index-sync.ts`).
 */
export async function runUnit(disk: Disk, unit: Unit, lazy: (rel: string) => boolean = () => false): Promise<void> {
  const hasLog = unit.log !== undefined && (typeof unit.log === "string" ? unit.log.length > 0 : unit.log.events > 0);
  const steps = unit.files.length + (unit.removes?.length ?? 0) + (hasLog ? 1 : 0);
  if (steps === 0) return;
  if (steps === 1) {
    if (hasLog) return disk.append(OUTBOX_LOG, typeof unit.log === "string" ? unit.log : unit.log!.chunks());
    return applySteps(disk, { files: unit.files, ...(unit.removes ? { removes: unit.removes } : {}) }, false);
  }
  const staged = new Set<Unit["files"][number]>();
  let budget = INLINE_BUDGET;
  for (const { file, length } of unit.files.map((f) => ({ file: f, length: piecesLength(f.data) })).sort((a, b) => a.length - b.length)) {
    if (length <= budget) budget -= length;
    else staged.add(file);
  }
  const inline = unit.files.filter((f) => !staged.has(f)).map((f) => ({ path: f.path, data: joinPieces(f.data) }));
  const big = unit.files.filter((f) => staged.has(f));
  const renames: [string, string][] = [];
  // Many log lines (50,000 deliveries are ~50 MB) go to a temp file like a big file, not into the journal.
  const small = hasLog ? inlineLog(unit.log) : undefined;
  const logInline = small !== undefined && small.length <= budget;
  let logFile: string | undefined;
  try {
    // A few files written at once: the thread pool writes one while the next is encoded.
    await inParallel(big, FILES_PARALLEL, async (file) => {
      renames.push([await disk.writeStaged(file.path, file.data), file.path]);
      await yieldNow();
    });
    if (hasLog && !logInline) logFile = await disk.writeStaged(OUTBOX_LOG, small ?? (unit.log as LogText).chunks());
    await disk.syncFiles([...renames.filter(([, target]) => !lazy(target)).map(([temp]) => temp), ...(logFile ? [logFile] : [])]);
  } catch (error) {
    // Nothing was promised yet: the temp files go, and the unit did not happen.
    await Promise.all([...renames.map(([temp]) => disk.discard(temp)), ...(logFile ? [disk.discard(logFile)] : [])]);
    throw error;
  }
  const log = logInline ? small : undefined;
  const body: JournalBody = { files: inline, ...(renames.length ? { renames } : {}), ...(unit.removes?.length ? { removes: unit.removes } : {}), ...(log ? { log } : {}), ...(logFile ? { logFile } : {}) };
  const text = JSON.stringify(body);
  await disk.write(JOURNAL, `${sum(text)}\n${text}`);
  await applySteps(disk, body, true, lazy);
  await disk.remove(JOURNAL);
  if (logFile) await disk.discard(logFile);
}

/**
 * At open (before temp files are removed): re-applies the journal a crash left, or discards one
 * that is not whole (that commit never happened). Returns what was done.
 */
export async function recoverJournal(disk: Disk, log: Logger): Promise<"none" | "applied" | "discarded"> {
  const text = await disk.readText(JOURNAL);
  if (text === undefined) return "none";
  const newline = text.indexOf("\n");
  let body: JournalBody | undefined;
  if (newline > 0 && sum(text.slice(newline + 1)) === text.slice(0, newline)) {
    try {
      body = JSON.parse(text.slice(newline + 1)) as JournalBody;
    } catch {
      body = undefined;
    }
  }
  if (!body || !Array.isArray(body.files) || (body.renames !== undefined && !Array.isArray(body.renames))) {
    log.warn("state journal discarded", { file: disk.path(JOURNAL) });
    await disk.remove(JOURNAL);
    return "discarded";
  }
  log.info("state journal re-applied", { files: body.files.length + (body.renames?.length ?? 0) });
  await applySteps(disk, body, true);
  await disk.remove(JOURNAL);
  if (body.logFile) await disk.discard(body.logFile);
  return "applied";
}
