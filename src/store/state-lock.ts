import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { PressroomError } from "../core/errors.js";

const STALE_MS = 30_000;

export interface HeldLock {
  release(): Promise<void>;
  /** Throws STATE_LOCKED if another process has taken the lock over (we were too slow to refresh it). */
  assertHeld(): void;
}

interface LockOptions {
  /** Lock file name inside the state folder. */
  readonly name: string;
  /** How long to wait for another holder, in ms (0: fail at once). */
  readonly waitMs: number;
  readonly code: "STATE_LOCKED" | "DAEMON_RUNNING";
  readonly what: string;
}

async function readOwner(ownerFile: string): Promise<{ pid?: number; command?: string; since?: string } | undefined> {
  try {
    return JSON.parse(await readFile(ownerFile, "utf8")) as { pid?: number; command?: string; since?: string };
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid is alive on this machine. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function describeOwner(ownerFile: string): Promise<string> {
  const owner = await readOwner(ownerFile);
  return owner ? ` (pid ${owner.pid}, ${owner.command ?? "pressroom"}, since ${owner.since})` : "";
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
  // A holder that died (killed, power cut) leaves its lock until it goes stale (30 s): if the recorded
  // owner is gone, wait for that instead of failing at once.
  let waitMs = options.waitMs;
  const owner = await readOwner(ownerFile);
  if (waitMs < STALE_MS + 5_000 && owner?.pid && owner.pid !== process.pid && !isAlive(owner.pid)) waitMs = STALE_MS + 5_000;
  const retries = Math.max(0, Math.ceil(waitMs / 250));
  let release: () => Promise<void>;
  let compromised: Error | undefined;
  try {
    release = await lockfile.lock(target, {
      stale: STALE_MS,
      update: 10_000,
      realpath: false,
      retries: retries === 0 ? 0 : { retries, minTimeout: 250, maxTimeout: 250, factor: 1 },
      onCompromised: (error) => {
        // Another process took over a lock we could not refresh: stop writing rather than corrupt state.
        compromised = error;
        process.emitWarning(`pressroom: lock on ${target} was compromised: ${error.message}`);
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOCKED") {
      const owner = await describeOwner(ownerFile);
      throw new PressroomError(
        options.code,
        `${options.what} ${stateDir} is in use by another Pressroom process${owner}; wait for it to finish or stop it${options.code === "STATE_LOCKED" ? " (gave up after " + Math.round(waitMs / 1000) + " s)" : ""}.`,
        { cause: error },
      );
    }
    throw new PressroomError("STATE_IO", `store: unable to lock ${target}: ${(error as Error).message}`, { cause: error });
  }
  await writeFile(ownerFile, JSON.stringify({ pid: process.pid, command, since: new Date().toISOString() }));
  return {
    assertHeld: () => {
      if (compromised) throw new PressroomError("STATE_LOCKED", `store: the lock on ${stateDir} was taken over by another process (${compromised.message}); this process stopped writing. Run again.`);
    },
    release: async () => {
      await release().catch(() => {});
    },
  };
}
