/**
 * The `dump` source: a dump file (re-read each run, skipped when its hash is unchanged), an inbox
 * folder or glob (each new or changed file ingested once), or an http(s) URL (conditional GET).
 */
import { basename, resolve } from "node:path";
import type { DumpSourceConfig } from "../config/schema.js";
import { isPressroomError, PressroomError } from "../core/errors.js";
import { ITEMS_PER_UNIT, type SourceAdapter, type SourceContext, type SourceItem, type SourceResult } from "../core/source.js";
import { readDumpCursor, writeDumpCursor, type InboxEntry } from "./dump-cursor.js";
import { hashContent, hashDumpFile, readDumpFile, resolveDumpTarget, type DumpFileInfo } from "./dump-files.js";
import { streamDumpFile } from "./dump-stream.js";
import { DUMP_HEADER_EXAMPLE, parseDump } from "./dump-parse.js";

interface Progress {
  /** Reports bytes done within the current file, given its size. */
  report(doneInFile: number): void;
  finishFile(bytes: number): void;
}

function trackProgress(context: SourceContext, totalBytes: number): Progress {
  let base = 0;
  return {
    report: (doneInFile) => context.onProgress?.(base + doneInFile, totalBytes),
    finishFile: (bytes) => { base += bytes; },
  };
}

interface DumpText {
  readonly text: string;
  /** Path or URL, as errors and warnings name it. */
  readonly display: string;
  /** File name the item ids start with (`<name>:<line>`). */
  readonly name: string;
  readonly bytes: number;
}

/** Parses one text into source items; a blank text is an error naming the file. */
function itemsOf(dump: DumpText, department: string | undefined, progress: Progress): { items: SourceItem[]; warnings: string[] } {
  if (dump.text.trim() === "") {
    throw new PressroomError("DUMP_EMPTY", `${dump.display}: file is empty (expected lines like ${JSON.stringify(DUMP_HEADER_EXAMPLE)})`);
  }
  // The parser counts characters; progress is reported in bytes.
  const onProgress = (done: number, total: number): void => progress.report(Math.round((dump.bytes * done) / Math.max(total, 1)));
  const parsed = parseDump(dump.text, dump.display, { department, onProgress });
  const items = parsed.releases.map(({ release, line }) => ({ release, sourceItemId: `${dump.name}:${line}` }));
  return { items, warnings: parsed.warnings };
}

function notModified(cursor: SourceResult["cursor"]): SourceResult {
  return { status: "not-modified", items: [], cursor, warnings: [] };
}

async function readUrl(config: DumpSourceConfig, url: string, context: SourceContext): Promise<SourceResult> {
  if (!/^https?:\/\//i.test(url)) {
    throw new PressroomError("SOURCE_INVALID", `source ${config.id}: dump url ${url} must start with http:// or https://`);
  }
  const previous = readDumpCursor(context.cursor);
  const known = previous?.mode === "url" && previous.url === url ? previous : undefined;
  const result = await context.http.get(url, { validators: known?.validators, accept: "text/plain, */*;q=0.5" });
  if (result.status === "not-modified") return notModified(context.cursor);
  const hash = hashContent(result.body);
  const cursor = writeDumpCursor({ mode: "url", url, hash, validators: result.validators });
  if (known?.hash === hash) return notModified(cursor);
  const name = basename(new URL(result.url).pathname) || new URL(result.url).hostname;
  const bytes = Buffer.byteLength(result.body);
  const dump = { text: result.body, display: url, name, bytes };
  const { items, warnings } = itemsOf(dump, config.department, trackProgress(context, bytes));
  return { status: "ok", items, cursor, warnings };
}


/**
 * A dump file is streamed (see `streamDumpFile`): a 100,000-release dump is never held whole. A
 * file read before is hashed first, and skipped when unchanged; a new one is hashed as it is read.
 */
async function readFileSource(config: DumpSourceConfig, file: DumpFileInfo, context: SourceContext): Promise<SourceResult> {
  const previous = readDumpCursor(context.cursor);
  const seen = previous?.mode === "file" && previous.path === file.path ? previous : undefined;
  const expectedHash = seen ? await hashDumpFile(file.path) : undefined;
  if (seen && seen.hash === expectedHash) return notModified(writeDumpCursor({ mode: "file", path: file.path, hash: seen.hash }));
  let hash = expectedHash;
  const warnings: string[] = [];
  const batches = streamDumpFile({
    path: file.path,
    display: file.path,
    name: file.name,
    department: config.department,
    batchSize: context.itemsPerUnit ?? ITEMS_PER_UNIT,
    warnings,
    ...(expectedHash === undefined ? {} : { expectedHash }),
    onHash: (read) => { hash = read; },
    ...(context.onProgress ? { onProgress: context.onProgress } : {}),
  });
  return {
    status: "ok",
    items: [],
    batches,
    warnings,
    // Known once the batches are read, which is before the pipeline records the cursor.
    get cursor() {
      if (hash === undefined) throw new Error(`dump ${file.path}: cursor asked for before the file was read`);
      return writeDumpCursor({ mode: "file", path: file.path, hash });
    },
  };
}

async function readInbox(config: DumpSourceConfig, files: readonly DumpFileInfo[], context: SourceContext): Promise<SourceResult> {
  const previous = readDumpCursor(context.cursor);
  const known = previous?.mode === "inbox" ? previous.files : {};
  const next: Record<string, InboxEntry> = {};
  // Zero-byte files may still be being written: neither read nor remembered. A file whose size,
  // mtime, change time and inode are all as recorded is not read again (tools put mtimes back:
  // tar, cp -p, curl -R); one that differs in any is hashed, and ingested if its bytes changed.
  const changed = files.filter((f) => {
    const entry = known[f.name];
    if (f.size > 0 && entry && entry.size === f.size && entry.mtimeMs === f.mtimeMs && entry.ctimeMs === f.ctimeMs && entry.ino === f.ino) next[f.name] = entry;
    return f.size > 0 && next[f.name] === undefined;
  });
  const progress = trackProgress(context, changed.reduce((sum, f) => sum + f.size, 0));
  const items: SourceItem[] = [];
  const warnings: string[] = [];
  let ingested = 0;
  for (const file of changed) {
    const before = items.length;
    const { text, hash, bytes } = await readDumpFile(file.path);
    next[file.name] = { hash, size: file.size, mtimeMs: file.mtimeMs, ctimeMs: file.ctimeMs, ino: file.ino };
    if (known[file.name]?.hash === hash) {
      progress.finishFile(file.size);
      continue;
    }
    ingested++;
    try {
      const parsed = itemsOf({ text, display: file.path, name: file.name, bytes }, config.department, progress);
      items.push(...parsed.items);
      warnings.push(...parsed.warnings);
    } catch (error) {
      // One file without releases must not block the rest of the inbox; it is reported and remembered.
      if (!isPressroomError(error, "DUMP_EMPTY")) throw error;
      warnings.push(error.message);
    }
    progress.finishFile(file.size);
    context.log.debug("dump file ingested", { file: file.path, items: items.length - before });
  }
  const cursor = writeDumpCursor({ mode: "inbox", files: next });
  return ingested === 0 ? notModified(cursor) : { status: "ok", items, cursor, warnings };
}

export const dumpAdapter: SourceAdapter<DumpSourceConfig> = {
  type: "dump",
  async read(config, context) {
    if (config.url !== undefined) return readUrl(config, config.url, context);
    if (config.path === undefined) {
      throw new PressroomError("SOURCE_INVALID", `source ${config.id}: a dump source needs a path or a url`);
    }
    const target = await resolveDumpTarget(resolve(context.baseDir, config.path));
    return target.mode === "file"
      ? readFileSource(config, target.file, context)
      : readInbox(config, target.files, context);
  },
};
