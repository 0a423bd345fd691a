import * as fs from "node:fs";
import { readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { PressroomError } from "../../core/errors.js";
import { FILE_MODE, ioError } from "./disk.js";
import { LOCK } from "./layout.js";

const STALE_MS = 30_000;
const OWNER = "owner.json";

export interface HeldLock {
  release(): Promise<void>;
  /** Throws STATE_LOCKED if another process took the lock over (we failed to refresh it). */
  assertHeld(): void;
}

export interface LockOptions {
  /** Lock file in the state folder (default `state.lock`; the daemon holds `daemon.lock` too). */
  readonly name?: string;
  readonly waitMs: number;
  readonly command: string;
  /** Called at once when the lock is busy and we start waiting. */
  readonly onLockWait?: (holder: string, waitMs: number) => void;
}

interface Owner {
  pid?: number;
  host?: string;
  command?: string;
  since?: string;
}

/**
 * proper-lockfile removes its lock folder with rmdir (and with rmdirSync from its exit hook, when
 * the process exits holding the lock); ours holds the owner file, so remove it whole.
 */
const lockFs = {
  ...fs,
  rmdir: (path: string, callback: (error: NodeJS.ErrnoException | null) => void) => {
    fs.rm(path, { recursive: true, force: true }, callback);
  },
  rmdirSync: (path: string) => {
    fs.rmSync(path, { recursive: true, force: true });
  },
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readOwner(lockDir: string): Promise<Owner | undefined> {
  try {
    return JSON.parse(await readFile(join(lockDir, OWNER), "utf8")) as Owner;
  } catch {
    return undefined;
  }
}

const describeOwner = (owner: Owner | undefined): string =>
  owner ? `pid ${owner.pid}, ${owner.command ?? "pressroom"}, since ${owner.since}` : "another Pressroom process";

/**
 * The cross-process lock of a state folder: proper-lockfile's lock folder `state.lock.lock`,
 * refreshed while held, with the holder's pid, host and command inside. A holder on this machine
 * whose process is gone (SIGKILL, crash) is taken over at once; another holder is waited for up to
 * `waitMs`, then STATE_LOCKED names it.
 */
export async function acquireStateLock(dir: string, options: LockOptions): Promise<HeldLock> {
  const target = join(dir, options.name ?? LOCK);
  const lockDir = `${target}.lock`;
  try {
    await writeFile(target, "", { flag: "a", mode: FILE_MODE });
  } catch (error) {
    throw ioError(dir, `create ${target}`, error);
  }
  let compromised: Error | undefined;
  const attempt = async (waitMs: number) => {
    const retries = Math.max(0, Math.ceil(waitMs / 100));
    return lockfile.lock(target, {
      stale: STALE_MS,
      update: 10_000,
      realpath: false,
      fs: lockFs,
      retries: retries === 0 ? 0 : { retries, minTimeout: 100, maxTimeout: 100, factor: 1 },
      onCompromised: (error) => {
        compromised = error;
        process.emitWarning(`pressroom: lock on ${target} was compromised: ${error.message}`);
      },
    });
  };
  let release: () => Promise<void>;
  try {
    try {
      release = await attempt(0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
      const owner = await readOwner(lockDir);
      if (owner?.pid && owner.host === hostname() && owner.pid !== process.pid && !isAlive(owner.pid)) {
        // Its holder died on this machine: the lock is ours to take.
        await rm(lockDir, { recursive: true, force: true });
        release = await attempt(options.waitMs);
      } else {
        if (options.waitMs > 0) options.onLockWait?.(describeOwner(owner), options.waitMs);
        release = await attempt(options.waitMs);
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOCKED") {
      const owner = await readOwner(lockDir);
      throw new PressroomError(
        "STATE_LOCKED",
        `state folder ${dir} is in use by another Pressroom process (${describeOwner(owner)}); wait for it to finish or stop it (gave up after ${Math.round(options.waitMs / 100) / 10} s).`,
        { cause: error },
      );
    }
    throw ioError(dir, `lock ${target}`, error);
  }
  try {
    // proper-lockfile refreshes the lock folder's mtime and takes a changed mtime for a takeover:
    // writing the owner file inside changes it, so put back the mtime the lock was taken with.
    const taken = await stat(lockDir);
    await writeFile(join(lockDir, OWNER), JSON.stringify({ pid: process.pid, host: hostname(), command: options.command, since: new Date().toISOString() }), { mode: FILE_MODE });
    await utimes(lockDir, taken.atime, taken.mtime);
  } catch (error) {
    await release().catch(() => {});
    throw ioError(dir, `write the lock owner in ${lockDir}`, error);
  }
  return {
    assertHeld: () => {
      if (compromised) throw new PressroomError("STATE_LOCKED", `store: the lock on ${dir} was taken over by another process (${compromised.message}); this process stopped writing. Run again.`);
    },
    release: async () => {
      await release().catch(() => {});
    },
  };
}
