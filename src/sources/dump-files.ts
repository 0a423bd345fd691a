/** File access for the dump source: reading with clear errors, and listing an inbox folder or glob. */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { PressroomError } from "../core/errors.js";

export interface DumpFileInfo {
  readonly path: string;
  /** Name inside the inbox folder; the cursor key. */
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
}

export type DumpTarget =
  | { readonly mode: "file"; readonly file: DumpFileInfo }
  | { readonly mode: "inbox"; readonly files: readonly DumpFileInfo[] };

const GLOB_CHARS = /[*?]/;

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return "no such file or folder";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a folder, not a file";
  if (code === "ENOTDIR") return "a part of the path is not a folder";
  return error instanceof Error ? error.message : String(error);
}

export function unreadable(path: string, error: unknown): PressroomError {
  return new PressroomError("DUMP_UNREADABLE", `${path}: ${reasonOf(error)}`, { cause: error });
}

/** `*` and `?` in one path segment, as a RegExp over the whole name. */
export function compileGlob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]");
  return new RegExp(`^${body}$`);
}

/** Hidden files and files still being written by common tools are not inbox files. */
function isInboxName(name: string): boolean {
  return !name.startsWith(".") && !/(\.part|\.tmp|\.crdownload|~)$/i.test(name);
}

async function listFolder(folder: string, match: (name: string) => boolean): Promise<DumpFileInfo[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    throw unreadable(folder, error);
  }
  const files: DumpFileInfo[] = [];
  for (const name of names.filter((n) => isInboxName(n) && match(n)).sort()) {
    const path = join(folder, name);
    try {
      const info = await stat(path);
      if (info.isFile()) files.push({ path, name, size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino });
    } catch (error) {
      // Removed between listing and stat: not there, so nothing to ingest.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw unreadable(path, error);
    }
  }
  return files;
}

/** Resolves a configured absolute path: a file, a folder (inbox) or a glob in the last segment (inbox). */
export async function resolveDumpTarget(path: string): Promise<DumpTarget> {
  const name = basename(path);
  if (GLOB_CHARS.test(name)) {
    if (GLOB_CHARS.test(dirname(path))) {
      throw new PressroomError("SOURCE_INVALID", `${path}: wildcards (* and ?) are only allowed in the last part of a dump path`);
    }
    const re = compileGlob(name);
    return { mode: "inbox", files: await listFolder(dirname(path), (n) => re.test(n)) };
  }
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if (GLOB_CHARS.test(dirname(path))) {
      throw new PressroomError("SOURCE_INVALID", `${path}: wildcards (* and ?) are only allowed in the last part of a dump path`);
    }
    throw unreadable(path, error);
  }
  if (info.isDirectory()) return { mode: "inbox", files: await listFolder(path, () => true) };
  return { mode: "file", file: { path, name, size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino } };
}

/** Reads a dump file as UTF-8 text with its content hash. */
export async function readDumpFile(path: string): Promise<{ text: string; hash: string; bytes: number }> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  return { text: data.toString("utf8"), hash: hashContent(data), bytes: data.length };
}

/** The content hash of a file, read as a stream (`hashContent` of its bytes). */
export async function hashDumpFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) hash.update(chunk);
  } catch (error) {
    throw unreadable(path, error);
  }
  return hash.digest("hex").slice(0, 32);
}

export function hashContent(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex").slice(0, 32);
}
