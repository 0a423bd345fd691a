import { isPressroomError } from "../core/errors.js";
import type { StateStore, SubscriptionRequest } from "../core/ports.js";
import type { ServerContext } from "./server-context.js";

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

/** How long a web request waits for its queued change to be applied before answering anyway. */
export const APPLY_WAIT_MS = 500;

/**
 * Records an unsubscribe or confirmation through the port: durable at once even while a run holds
 * the state (never a 503), applied at once when the state is free, else before the next alert.
 */
export async function recordRequest(ctx: ServerContext, change: SubscriptionRequest): Promise<boolean> {
  const { applied } = await ctx.store.subscriptions.request(change);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), APPLY_WAIT_MS);
  });
  try {
    return await Promise.race([applied, late]);
  } finally {
    clearTimeout(timer);
  }
}
