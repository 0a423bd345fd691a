import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { PressroomError } from "../core/errors.js";

export interface HeldLock {
  release(): Promise<void>;
}

interface LockOptions {
  /** Lock file name inside the state folder. */
  readonly name: string;
  /** How long to wait for another holder, in ms (0: fail at once). */
  readonly waitMs: number;
  readonly code: "STATE_LOCKED" | "DAEMON_RUNNING";
  readonly what: string;
}

async function describeOwner(ownerFile: string): Promise<string> {
  try {
    const owner = JSON.parse(await readFile(ownerFile, "utf8")) as { pid?: number; command?: string; since?: string };
    return ` (pid ${owner.pid}, ${owner.command ?? "pressroom"}, since ${owner.since})`;
  } catch {
    return "";
  }
}

/**
 * Cross-process lock on a state folder (proper-lockfile: a lock directory refreshed while held,
 * considered stale 30 s after its holder died). Waits up to `waitMs`, then fails with a clear message.
 */
export async function acquireLock(stateDir: string, options: LockOptions, command = "pressroom"): Promise<HeldLock> {
  await mkdir(stateDir, { recursive: true });
  const target = join(stateDir, options.name);
  const ownerFile = `${target}.owner.json`;
  await writeFile(target, "", { flag: "a" });
  const retries = Math.max(0, Math.ceil(options.waitMs / 250));
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      stale: 30_000,
      update: 10_000,
      realpath: false,
      retries: retries === 0 ? 0 : { retries, minTimeout: 250, maxTimeout: 250, factor: 1 },
      onCompromised: () => {
        // Another process took a lock we thought stale; stop writing rather than corrupt state.
        process.emitWarning(`pressroom: lock on ${target} was compromised`);
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOCKED") {
      const owner = await describeOwner(ownerFile);
      throw new PressroomError(
        options.code,
        `${options.what} ${stateDir} is in use by another Pressroom process${owner}; wait for it to finish or stop it${options.code === "STATE_LOCKED" ? " (gave up after " + Math.round(options.waitMs / 1000) + " s)" : ""}.`,
        { cause: error },
      );
    }
    throw new PressroomError("STATE_IO", `store: unable to lock ${target}: ${(error as Error).message}`, { cause: error });
  }
  await writeFile(ownerFile, JSON.stringify({ pid: process.pid, command, since: new Date().toISOString() }));
  return {
    release: async () => {
      await release().catch(() => {});
    },
  };
}
