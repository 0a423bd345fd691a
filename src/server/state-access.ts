import { isPressroomError } from "../core/errors.js";
import { openStore, type Store } from "../store/open-store.js";
import type { ServerContext } from "./server-context.js";

/** How long a write request waits for a run holding the state (ms). */
export const WRITE_LOCK_WAIT_MS = 5_000;

/** A fresh read-only view of the state (sees whatever the last run committed). Never locks. */
export async function withReadStore<T>(ctx: ServerContext, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(ctx.stateDir, { clock: ctx.clock, readOnly: true, feedEntries: ctx.config.feeds.entries });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export class StateBusyError extends Error {}

/** A short writable session (subscribe, confirm, unsubscribe): waits briefly for the lock, else StateBusyError. */
export async function withWriteStore<T>(ctx: ServerContext, work: (store: Store) => Promise<T>): Promise<T> {
  let store: Store;
  try {
    store = await openStore(ctx.stateDir, { clock: ctx.clock, lockWaitMs: WRITE_LOCK_WAIT_MS, command: "pressroom serve", feedEntries: ctx.config.feeds.entries });
  } catch (error) {
    if (isPressroomError(error, "STATE_LOCKED")) throw new StateBusyError(error.message);
    throw error;
  }
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
