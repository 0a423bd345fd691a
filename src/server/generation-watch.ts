import type { Logger } from "../core/logger.js";
import type { StateStore } from "../core/ports.js";

/**
 * Tells the server when the state changed, so cached representations are reused until then.
 * Given to `createServer` by the CLI for an engine that can push changes (PostgreSQL's LISTEN):
 * `subscribe(onChange)` calls `onChange` on each change and resolves with a handle to stop.
 */
export type ChangeFeed = (onChange: () => void) => Promise<{ close(): Promise<void> }>;

export interface GenerationWatch {
  /** The state's generation as last known: every request compares its cache key with it. */
  current(): Promise<string>;
  /** The generation without waiting, when it is pushed (a change feed) and known; else undefined. */
  peek(): string | undefined;
  close(): Promise<void>;
}

/** How often the generation is read anyway when changes are pushed (a NOTIFY can be missed). */
export const GENERATION_POLL_MS = 500;

/**
 * Without a change feed, each call reads `store.generation()` (a stat on lowdb, one indexed row on
 * PostgreSQL), concurrent callers sharing one read. With one, the generation is read on each
 * change and every `pollMs` as a fallback, and requests read nothing.
 */
export function watchGeneration(store: StateStore, log: Logger, changes?: ChangeFeed, pollMs = GENERATION_POLL_MS): GenerationWatch {
  let inFlight: Promise<string> | undefined;
  const read = (): Promise<string> => {
    if (!inFlight) {
      inFlight = store.generation().finally(() => {
        inFlight = undefined;
      });
    }
    return inFlight;
  };
  if (!changes) return { current: read, peek: () => undefined, close: async () => {} };

  let known: string | undefined;
  let first: Promise<string> | undefined;
  let closed = false;
  const refresh = () => {
    const p = read().then(
      (g) => {
        known = g;
        return g;
      },
      (error: unknown) => {
        log.warn("generation read failed", { error: error instanceof Error ? error.message : String(error) });
        return known ?? "";
      },
    );
    return p;
  };
  const timer = setInterval(() => void refresh(), pollMs);
  timer.unref();
  const listening = changes(() => void refresh()).catch((error: unknown) => {
    log.warn("change feed unavailable; polling the generation", { error: error instanceof Error ? error.message : String(error) });
    return undefined;
  });
  return {
    peek: () => known,
    current: () => {
      if (known !== undefined) return Promise.resolve(known);
      first ??= refresh();
      return first;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await (await listening)?.close();
    },
  };
}
