/** The dump source's cursor: what it last read, so unchanged input costs one hash (file, URL) or one stat (inbox). */
import type { HttpValidators, SourceCursor } from "../core/source.js";

export interface InboxEntry {
  readonly hash: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** Change time and inode: a file rewritten with its size and mtime put back still differs here (absent in cursors written before). */
  readonly ctimeMs?: number;
  readonly ino?: number;
}

export type DumpCursor =
  | { readonly mode: "file"; readonly path: string; readonly hash: string }
  | { readonly mode: "inbox"; readonly files: Readonly<Record<string, InboxEntry>> }
  | { readonly mode: "url"; readonly url: string; readonly hash: string; readonly validators: HttpValidators };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isInboxEntry(value: unknown): value is InboxEntry {
  return (
    isRecord(value) && typeof value.hash === "string" && typeof value.size === "number" && typeof value.mtimeMs === "number" &&
    (value.ctimeMs === undefined || typeof value.ctimeMs === "number") && (value.ino === undefined || typeof value.ino === "number")
  );
}

/** Reads a stored cursor defensively: anything unexpected counts as "nothing read yet". */
export function readDumpCursor(cursor: SourceCursor): DumpCursor | undefined {
  if (cursor.mode === "file" && typeof cursor.path === "string" && typeof cursor.hash === "string") {
    return { mode: "file", path: cursor.path, hash: cursor.hash };
  }
  if (cursor.mode === "url" && typeof cursor.url === "string" && typeof cursor.hash === "string") {
    const v = isRecord(cursor.validators) ? cursor.validators : {};
    const validators: HttpValidators = {
      ...(typeof v.etag === "string" ? { etag: v.etag } : {}),
      ...(typeof v.lastModified === "string" ? { lastModified: v.lastModified } : {}),
    };
    return { mode: "url", url: cursor.url, hash: cursor.hash, validators };
  }
  if (cursor.mode === "inbox" && isRecord(cursor.files)) {
    const files: Record<string, InboxEntry> = {};
    for (const [name, entry] of Object.entries(cursor.files)) if (isInboxEntry(entry)) files[name] = entry;
    return { mode: "inbox", files };
  }
  return undefined;
}

export function writeDumpCursor(cursor: DumpCursor): SourceCursor {
  return { ...cursor };
}
