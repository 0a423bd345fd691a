import { mkdir } from "node:fs/promises";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { SearchKeys, StateStore } from "../core/ports.js";
import { openLowdbState } from "./lowdb/open-lowdb-state.js";
import { PressroomError, isPressroomError } from "../core/errors.js";
import { acquireStateLock } from "./lowdb/state-lock.js";

/** Where the state lives: a state folder (lowdb, the embedded default) or a PostgreSQL database. */
export type StateTarget = { readonly kind: "lowdb"; readonly dir: string } | { readonly kind: "postgres"; readonly url: string };

export interface OpenStateOptions {
  readonly clock: Clock;
  readonly feedEntries?: number;
  /** lowdb: how long to wait for another process holding the state folder (ms). */
  readonly lockWaitMs?: number;
  /**
   * lowdb: `exclusive` holds the state folder's lock from open to close (commands, runs);
   * `shared` reads without it and takes it for each write (the HTTP server beside a daemon).
   */
  readonly mode?: "exclusive" | "shared";
  /** Shown to another process that finds the state busy. */
  readonly command?: string;
  readonly log?: Logger;
  /** lowdb: told at once when the state is busy and the open must wait. */
  readonly onLockWait?: (holder: string, waitMs: number) => void;
  /** Keys a release is found by in search (`releaseSearchKeys` of src/match): commits keep the persisted index with them. */
  readonly searchKeys?: SearchKeys;
}

/** Opens the state behind the port. Only the CLI (and tests) choose an engine. */
export async function openState(target: StateTarget, options: OpenStateOptions): Promise<StateStore> {
  const { clock, feedEntries, log, command } = options;
  if (target.kind === "postgres") {
    // node-postgres is loaded only by a state that uses it.
    const { openPostgresState } = await import("./postgres/open-postgres-state.js");
    return openPostgresState(target.url, { clock, ...(feedEntries ? { feedEntries } : {}), ...(log ? { log } : {}), ...(command ? { command } : {}), ...(options.searchKeys ? { searchKeys: options.searchKeys } : {}) });
  }
  return openLowdbState(target.dir, {
    clock,
    ...(feedEntries ? { feedEntries } : {}),
    ...(options.lockWaitMs !== undefined ? { lockWaitMs: options.lockWaitMs } : {}),
    ...(options.mode ? { mode: options.mode } : {}),
    ...(command ? { command } : {}),
    ...(log ? { log } : {}),
    ...(options.onLockWait ? { onLockWait: options.onLockWait } : {}),
    ...(options.searchKeys ? { searchKeys: options.searchKeys } : {}),
  });
}

/** A database URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<unparseable URL>";
  }
}

/**
 * One daemon per state folder (lowdb); on PostgreSQL any number of daemons share the database, each
 * source polled by one at a time under its lease. Returns a release function.
 */
export async function lockDaemon(target: StateTarget): Promise<{ release(): Promise<void> }> {
  if (target.kind === "postgres") return { release: async () => {} };
  await mkdir(target.dir, { recursive: true, mode: 0o700 });
  try {
    return await acquireStateLock(target.dir, { name: "daemon.lock", waitMs: 0, command: "pressroom daemon" });
  } catch (error) {
    if (isPressroomError(error, "STATE_LOCKED")) throw new PressroomError("DAEMON_RUNNING", error.message, { cause: error });
    throw error;
  }
}
