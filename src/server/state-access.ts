import { isPressroomError } from "../core/errors.js";
import type { StateStore } from "../core/ports.js";
import type { ServerContext } from "./server-context.js";

/** Reads through the port (an engine in shared mode sees whatever the last run committed). */
export async function withReadStore<T>(ctx: ServerContext, work: (store: StateStore) => Promise<T>): Promise<T> {
  return work(ctx.store);
}

export class StateBusyError extends Error {}

/** A write (subscribe, confirm, unsubscribe): a state busy with a run gives StateBusyError (503). */
export async function withWriteStore<T>(ctx: ServerContext, work: (store: StateStore) => Promise<T>): Promise<T> {
  try {
    return await work(ctx.store);
  } catch (error) {
    if (isPressroomError(error, "STATE_LOCKED")) throw new StateBusyError(error.message);
    throw error;
  }
}
