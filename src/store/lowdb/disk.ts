import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, mkdir, open, readFile, readdir, rename, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { PressroomError } from "../../core/errors.js";
import { encodablePieces } from "../../core/text-pieces.js";

/** Mode of every state file (addresses, tokens) and of every state folder. */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

const DENIED = new Set(["EACCES", "EPERM", "EROFS"]);

/** A sentence for a failed file operation under the state folder; never a raw errno. */
export function ioError(root: string, what: string, error: unknown): PressroomError {
  if (error instanceof PressroomError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code && DENIED.has(code)) {
    return new PressroomError("STATE_IO", `store: cannot write to the state folder ${root} (permission denied): run Pressroom as the user that owns it, or choose another folder with --state`, { cause: error });
  }
  if (code === "ENOTDIR" || code === "EEXIST") {
    return new PressroomError("STATE_IO", `store: cannot use the state folder ${root}: a part of that path is a file, not a folder; choose another folder with --state`, { cause: error });
  }
  if (code === "ENOSPC") return new PressroomError("STATE_IO", `store: the disk holding ${root} is full; free some space and run again`, { cause: error });
  return new PressroomError("STATE_IO", `store: unable to ${what}: ${code ?? (error as Error).message}`, { cause: error });
}

export function corrupt(file: string, what: string, cause?: unknown): PressroomError {
  return new PressroomError(
    "STATE_CORRUPT",
    `store: state file ${file} is corrupt (${what}); it was left untouched. Restore it from a backup or move it aside to start that part of the state afresh.`,
    { cause },
  );
}

/** Appends to a queue file made again at most, when a reader keeps moving it aside. */
const QUEUE_APPEND_ATTEMPTS = 10;

/**
 * Every durable file operation of one state folder: unique temp file + fsync + rename + folder
 * fsync, fsynced appends, fsynced removals. Counts them, so a test can kill the process right
 * after the Nth (`crashAfterWrites`).
 */
export class Disk {
  writes = 0;
  private readonly dirs = new Set<string>();
  /** Append handles kept open (files in `keepOpen`), with the size the file has after our appends. */
  private readonly held = new Map<string, { handle: FileHandle; size: number; durable?: FileHandle }>();

  /**
   * `keepOpen`: files appended to often (the outbox log, one append per group of acknowledgements)
   * whose handle stays open between appends instead of an open, fstat and close each time. Only for
   * a process that is the files' only writer (the exclusive lock holder): every other change to
   * them must go through this Disk, which drops the handle (`write`, `remove`, `renameStaged`).
   */
  constructor(readonly root: string, private readonly crashAfterWrites?: number, private readonly keepOpen: ReadonlySet<string> = new Set()) {}

  /** Closes the append handles kept open. */
  async close(): Promise<void> {
    const held = [...this.held.values()];
    this.held.clear();
    await Promise.all(held.flatMap(({ handle, durable }) => [handle, ...(durable ? [durable] : [])]).map((h) => h.close().catch(() => {})));
  }

  private async letGo(rel: string): Promise<void> {
    const held = this.held.get(rel);
    if (!held) return;
    this.held.delete(rel);
    await held.handle.close().catch(() => {});
    await held.durable?.close().catch(() => {});
  }

  path(rel: string): string {
    return join(this.root, rel);
  }

  private counted(): void {
    this.writes++;
    if (this.crashAfterWrites !== undefined && this.writes >= this.crashAfterWrites) {
      process.kill(process.pid, "SIGKILL");
    }
  }

  async ensureDir(dir: string): Promise<void> {
    if (this.dirs.has(dir)) return;
    try {
      await mkdir(dir, { recursive: true, mode: DIR_MODE });
    } catch (error) {
      throw ioError(this.root, `create ${dir}`, error);
    }
    this.dirs.add(dir);
  }

  private async syncDir(dir: string): Promise<void> {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /**
   * Replaces a file atomically and durably; with `sync: false` (a step of a journalled unit, whose
   * journal is already durable) atomically only: `syncFiles` makes it durable later.
   */
  async write(rel: string, data: Buffer | Text, options: { sync?: boolean } = {}): Promise<void> {
    const sync = options.sync ?? true;
    const file = this.path(rel);
    const dir = dirname(file);
    await this.letGo(rel);
    await this.ensureDir(dir);
    const temp = join(dir, `.${rel.split("/").pop()}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
    try {
      const handle = await open(temp, "wx", FILE_MODE);
      try {
        if (Buffer.isBuffer(data)) await handle.writeFile(data);
        else await writeChunks(handle, data);
        if (sync) await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
      if (sync) await this.syncDir(dir);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw ioError(this.root, `write ${file}`, error);
    }
    this.counted();
  }

  /**
   * Writes `data` to a new temp file beside `rel` (same folder, so a rename replaces `rel`
   * atomically), not fsynced (`syncFiles` does that for a whole unit); returns the temp file's path
   * relative to the root. A temp file nobody renamed is removed at the next open.
   */
  async writeStaged(rel: string, data: Text): Promise<string> {
    const dir = dirname(this.path(rel));
    await this.ensureDir(dir);
    const slash = rel.lastIndexOf("/");
    const temp = `${rel.slice(0, slash + 1)}.${rel.slice(slash + 1)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      const handle = await open(this.path(temp), "wx", FILE_MODE);
      try {
        await writeChunks(handle, data);
      } finally {
        await handle.close();
      }
    } catch (error) {
      await unlink(this.path(temp)).catch(() => {});
      throw ioError(this.root, `write ${this.path(temp)}`, error);
    }
    this.counted();
    return temp;
  }

  /** Renames a staged temp file onto its target (not fsynced: `syncDirs`); a temp file already gone was renamed before. */
  async renameStaged(temp: string, rel: string): Promise<void> {
    await this.letGo(rel);
    try {
      await rename(this.path(temp), this.path(rel));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw ioError(this.root, `replace ${this.path(rel)}`, error);
    }
    this.counted();
  }

  /** Removes a staged temp file that will not be used (best effort). */
  async discard(temp: string): Promise<void> {
    await unlink(this.path(temp)).catch(() => {});
  }

  /** fsyncs the folders of these files, each once, several at a time (renames into them become durable). */
  async syncDirs(rels: readonly string[]): Promise<void> {
    const dirs = [...new Set(rels.map((rel) => dirname(this.path(rel))))];
    await inParallel(dirs, SYNC_PARALLEL, async (dir) => {
      try {
        await this.syncDir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw ioError(this.root, `sync ${dir}`, error);
      }
    });
  }

  /**
   * Makes files written with `sync: false` durable: fsyncs each file, then each of their folders
   * once, several at a time (the disk commits concurrent fsyncs together).
   */
  async syncFiles(rels: readonly string[]): Promise<void> {
    const syncPath = async (path: string) => {
      try {
        await this.syncDir(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw ioError(this.root, `sync ${path}`, error);
      }
    };
    await inParallel(rels.map((rel) => this.path(rel)), SYNC_PARALLEL, syncPath);
    await inParallel([...new Set(rels.map((rel) => dirname(this.path(rel))))], SYNC_PARALLEL, syncPath);
  }

  /** Appends to a file (text, or chunks of it written one after another) and makes it durable: one durable write however many lines. */
  async append(rel: string, data: Text): Promise<void> {
    if (this.keepOpen.has(rel)) return this.appendHeld(rel, data);
    await this.appendOnce(rel, data);
  }

  /**
   * `append` to a queue file that a reader takes by moving it aside (rename, read, remove): an
   * append whose handle was opened before the move lands in the file taken, perhaps after it was
   * read. The append is made again while the file it went to is no longer the one at `rel`, so an
   * entry may be taken twice (entries must be idempotent) but never lost.
   */
  async appendToQueue(rel: string, data: string): Promise<void> {
    for (let attempt = 0; attempt < QUEUE_APPEND_ATTEMPTS; attempt++) {
      const written = await this.appendOnce(rel, data);
      const now = await stat(this.path(rel)).then((s) => s.ino, () => undefined);
      if (now === written) return;
    }
  }

  /** An append through a handle of its own; returns the inode written to. */
  private async appendOnce(rel: string, data: Text): Promise<number> {
    const file = this.path(rel);
    const dir = dirname(file);
    await this.ensureDir(dir);
    let ino = -1;
    try {
      const handle = await open(file, "a", FILE_MODE);
      let size = -1;
      try {
        const info = await handle.stat();
        size = info.size;
        ino = info.ino;
        await writeChunks(handle, data);
        await handle.sync();
      } catch (error) {
        // Never leave half a line for the next append to run into.
        if (size >= 0) await handle.truncate(size).catch(() => {});
        throw error;
      } finally {
        await handle.close();
      }
      if (size === 0) await this.syncDir(dir);
    } catch (error) {
      throw ioError(this.root, `append to ${file}`, error);
    }
    this.counted();
    return ino;
  }

  /**
   * `append` through a handle kept open: one write and one fdatasync (which also makes an append's
   * new length durable). A failed append cuts the file back and lets the handle go.
   */
  private async appendHeld(rel: string, data: Text): Promise<void> {
    const file = this.path(rel);
    const dir = dirname(file);
    let held = this.held.get(rel);
    try {
      if (!held) {
        await this.ensureDir(dir);
        const handle = await open(file, "a", FILE_MODE);
        try {
          held = { handle, size: (await handle.stat()).size };
          // A file this append creates: its folder entry must be durable too.
          if (held.size === 0) await this.syncDir(dir);
        } catch (error) {
          await handle.close().catch(() => {});
          throw error;
        }
        this.held.set(rel, held);
      }
      const before = held.size;
      try {
        if (typeof data === "string" && data.length <= SMALL_APPEND) {
          // A small append (a group of acknowledgements) through a handle opened O_DSYNC: the write
          // returns once durable, one call to the thread pool instead of a write and an fdatasync.
          held.durable ??= await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_DSYNC);
          held.size = before + (await writeChunks(held.durable, data));
        } else {
          held.size = before + (await writeChunks(held.handle, data));
          await held.handle.datasync();
        }
      } catch (error) {
        // Never leave half a line for the next append to run into.
        held.size = before;
        await held.handle.truncate(before).catch(() => {});
        await this.letGo(rel);
        throw error;
      }
    } catch (error) {
      throw ioError(this.root, `append to ${file}`, error);
    }
    this.counted();
  }

  /** Removes a file durably; a missing file is fine. */
  async remove(rel: string): Promise<void> {
    const file = this.path(rel);
    await this.letGo(rel);
    try {
      await unlink(file);
      await this.syncDir(dirname(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw ioError(this.root, `remove ${file}`, error);
    }
    this.counted();
  }

  /** A file's bytes in pieces of at most `size` (to copy a big file without holding it whole). */
  async *pieces(rel: string, size = 1 << 20): AsyncIterable<Buffer> {
    const file = this.path(rel);
    let handle: FileHandle;
    try {
      handle = await open(file, "r");
    } catch (error) {
      throw ioError(this.root, `read ${file}`, error);
    }
    try {
      for (;;) {
        const buffer = Buffer.allocUnsafe(size);
        const { bytesRead } = await handle.read(buffer, 0, size, null);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  /** A handle on `file`, or undefined when it (or its folder) is absent. */
  private async openIfThere(file: string, flags: "r" | "r+"): Promise<FileHandle | undefined> {
    try {
      return await open(file, flags);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw ioError(this.root, `read ${file}`, error);
    }
  }

  /**
   * Cuts a last line that has no newline after it (an append a crash interrupted) off a file,
   * reading only the file's tail: the file is not read or rewritten whole. True when it cut.
   */
  async cutTornTail(rel: string, size = 1 << 16): Promise<boolean> {
    const file = this.path(rel);
    const handle = await this.openIfThere(file, "r+");
    if (!handle) return false;
    try {
      const length = (await handle.stat()).size;
      if (length === 0) return false;
      const buffer = Buffer.allocUnsafe(size);
      let end = length;
      let keep = 0;
      // Back from the end, a piece at a time, to the last newline (the file's start when none).
      while (end > 0) {
        const start = Math.max(0, end - size);
        const { bytesRead } = await handle.read(buffer, 0, end - start, start);
        if (end === length && bytesRead > 0 && buffer[bytesRead - 1] === 10) return false;
        const at = buffer.subarray(0, bytesRead).lastIndexOf(10);
        if (at >= 0) {
          keep = start + at + 1;
          break;
        }
        end = start;
      }
      await this.letGo(rel);
      await handle.truncate(keep);
      await handle.sync();
    } catch (error) {
      throw ioError(this.root, `cut the torn last line of ${file}`, error);
    } finally {
      await handle.close();
    }
    this.counted();
    return true;
  }

  /**
   * A text file's lines, a piece at a time (the whole file is never one string): each batch holds
   * the complete lines of about `size` bytes, without their newlines. A last line with no newline
   * after it (an append cut short) comes alone in a final batch marked `torn`. Nothing when absent.
   */
  async *lines(rel: string, size = 1 << 20): AsyncIterable<{ readonly lines: string[]; readonly torn?: true }> {
    let rest: Buffer | undefined;
    try {
      for await (const piece of this.pieces(rel, size)) {
        const data = rest ? Buffer.concat([rest, piece]) : piece;
        const end = data.lastIndexOf(10);
        if (end < 0) {
          rest = Buffer.from(data);
          continue;
        }
        rest = end + 1 < data.length ? Buffer.from(data.subarray(end + 1)) : undefined;
        yield { lines: data.toString("utf8", 0, end).split("\n") };
      }
    } catch (error) {
      const code = ((error as { cause?: NodeJS.ErrnoException }).cause ?? (error as NodeJS.ErrnoException)).code;
      if (code === "ENOENT" || code === "ENOTDIR") return;
      throw error;
    }
    if (rest) yield { lines: [rest.toString("utf8")], torn: true };
  }

  /**
   * A text file's complete lines from the last to the first, a piece of about `size` bytes at a
   * time, without their newlines: a reader wanting the newest records of an appended file stops
   * when it has them and never reads the rest. A last line with no newline after it (an append cut
   * short) is left out. Nothing when absent.
   */
  async *linesBackward(rel: string, size = 1 << 16): AsyncIterable<string> {
    const file = this.path(rel);
    const handle = await this.openIfThere(file, "r");
    if (!handle) return;
    try {
      let start = (await handle.stat()).size;
      // The start of a line read so far: its beginning lies further back (no newline in it).
      let rest: Buffer | undefined;
      // Whether the file's last newline was found (what follows it is a torn append, not a line).
      let ended = false;
      while (start > 0) {
        const end = start;
        start = Math.max(0, end - size);
        const piece = Buffer.allocUnsafe(end - start);
        let got = 0;
        while (got < piece.length) {
          const { bytesRead } = await handle.read(piece, got, piece.length - got, start + got);
          if (bytesRead === 0) throw new Error(`${file} shrank while it was read`);
          got += bytesRead;
        }
        let data = rest ? Buffer.concat([piece, rest]) : piece;
        if (!ended) {
          const cut = data.lastIndexOf(10);
          if (cut < 0) {
            rest = data;
            continue;
          }
          data = data.subarray(0, cut);
          ended = true;
        }
        // `data` ends where a line ends; its first line is whole only at the file's start.
        const first = start > 0 ? data.indexOf(10) : -1;
        if (start > 0 && first < 0) {
          rest = Buffer.from(data);
          continue;
        }
        rest = start > 0 ? Buffer.from(data.subarray(0, first)) : undefined;
        const lines = data.toString("utf8", first + 1).split("\n");
        for (let i = lines.length - 1; i >= 0; i--) yield lines[i]!;
      }
    } catch (error) {
      throw ioError(this.root, `read ${file}`, error);
    } finally {
      await handle.close();
    }
  }

  /**
   * A file's text, or undefined when absent. Read as bytes and decoded at once: `readFile(…, "utf8")`
   * decodes piece by piece into a rope of strings, which the first character scan then flattens.
   * (Month files are not read as text at all: `sliceMonth` cuts their bytes.)
   */
  async readText(rel: string): Promise<string | undefined> {
    try {
      return (await readFile(this.path(rel))).toString("utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return undefined;
      if (code === "ENOTDIR") return undefined;
      throw ioError(this.root, `read ${this.path(rel)}`, error);
    }
  }

  /** A file's bytes, or undefined when absent. */
  async readBytes(rel: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(rel));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw ioError(this.root, `read ${this.path(rel)}`, error);
    }
  }

  /** A JSON document, or undefined when absent; an unparseable file is STATE_CORRUPT. */
  async readJson<T>(rel: string): Promise<T | undefined> {
    const text = await this.readText(rel);
    return text === undefined ? undefined : this.parseJson<T>(rel, text);
  }

  /** The JSON document in `text` (read from `rel`); unparseable is STATE_CORRUPT. */
  parseJson<T>(rel: string, text: string): T {
    try {
      const data = JSON.parse(text) as T | null;
      if (data === null) throw new Error("the file holds null");
      return data;
    } catch (error) {
      throw corrupt(this.path(rel), (error as Error).message, error);
    }
  }

  async exists(rel: string): Promise<boolean> {
    return stat(this.path(rel)).then(() => true, () => false);
  }

  async list(relDir: string): Promise<string[]> {
    try {
      return await readdir(this.path(relDir));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return [];
      throw ioError(this.root, `list ${this.path(relDir)}`, error);
    }
  }
}

/**
 * What a file is written from: text, or pieces written one after another (never one buffer of
 * them all): chunks of text made as they are asked for, or bytes read from another file (`pieces`).
 */
export type Text = string | Iterable<string> | AsyncIterable<Buffer>;

/** Writes `data` at the handle's position, piece by piece; returns the bytes written. */
async function writeChunks(handle: FileHandle, data: Text): Promise<number> {
  let written = 0;
  const write = async (bytes: Buffer) => {
    for (let at = 0; at < bytes.length; ) at += (await handle.write(bytes, at, bytes.length - at)).bytesWritten;
    written += bytes.length;
  };
  if (typeof data !== "string" && Symbol.asyncIterator in data) {
    for await (const bytes of data) await write(bytes);
    return written;
  }
  const scratch = SCRATCH.pop() ?? Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  // Pieces are encoded one after another into the scratch buffer, which is written when the next
  // might not fit (a month file's 500 releases are a few writes, not 500).
  let used = 0;
  try {
    for (const piece of encodablePieces(data, SCRATCH_CHARS)) {
      if (used + piece.length * 3 > SCRATCH_BYTES) {
        await write(scratch.subarray(0, used));
        used = 0;
      }
      used += scratch.write(piece, used, "utf8");
    }
    if (used > 0) await write(scratch.subarray(0, used));
  } finally {
    if (SCRATCH.length < SCRATCH_KEPT) SCRATCH.push(scratch);
  }
  return written;
}

/**
 * Text is encoded for writing a piece at a time into a reused buffer, never into a buffer the size
 * of the file: an import writes tens of megabytes of month files, feeds and index shards per unit,
 * and those buffers lived outside V8's heap until a full collection came, 150 MB and more at once.
 */
const SCRATCH_BYTES = 1 << 20;
/** UTF-16 code units that always fit in a scratch buffer (at most 3 bytes each in UTF-8). */
const SCRATCH_CHARS = Math.floor(SCRATCH_BYTES / 3);
/** Scratch buffers kept for the next writes (writes of a unit run 8 at a time). */
const SCRATCH_KEPT = 8;
const SCRATCH: Buffer[] = [];

/** Appends up to this many characters go through the O_DSYNC handle (`appendHeld`). */
const SMALL_APPEND = 64 * 1024;

/** Lets the event loop run (lock refreshes, timers) between steps of a long piece of work. */
export const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** fsyncs in flight at once (libuv runs 4 at a time by default; the disk batches them). */
const SYNC_PARALLEL = 8;

/** Runs `work` over `items`, at most `limit` at a time; the first failure is thrown once all settle. */
export async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
