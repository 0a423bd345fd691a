import { randomBytes } from "node:crypto";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname } from "node:path";
import type { Adapter } from "lowdb";
import { PressroomError } from "../core/errors.js";

/** fsync a directory so a rename inside it survives a power cut. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a file atomically and durably: unique temp file, fsync, rename, fsync of the folder. */
export async function writeFileDurably(file: string, data: string | Buffer): Promise<void> {
  const temp = `${dirname(file)}/.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(temp, "wx", 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncDir(dirname(file));
}

/**
 * A lowdb adapter over one JSON file. lowdb's own JSONFile uses a fixed temp name and no fsync;
 * this one uses a unique temp name and fsyncs. A file that cannot be parsed is reported and
 * never overwritten: `read` throws, so the caller never gets data to write back.
 */
export class DurableJsonFile<T> implements Adapter<T> {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return null;
      throw new PressroomError("STATE_IO", `store: unable to read ${this.file}: ${code ?? error}`, { cause: error });
    }
    try {
      const data = JSON.parse(text) as T | null;
      if (data === null) throw new Error("the file holds null");
      return data;
    } catch (error) {
      throw new PressroomError(
        "STATE_CORRUPT",
        `store: state file ${this.file} is corrupt (${(error as Error).message}); it was left untouched. Restore it from a backup or move it aside to start that part of the state afresh.`,
        { cause: error },
      );
    }
  }

  async write(data: T): Promise<void> {
    try {
      await writeFileDurably(this.file, JSON.stringify(data));
    } catch (error) {
      throw new PressroomError("STATE_IO", `store: unable to write ${this.file}: ${(error as NodeJS.ErrnoException).code ?? error}`, { cause: error });
    }
  }
}
