import pg from "pg";
import { describeError, PressroomError } from "../../core/errors.js";
import { silentLogger, type Logger } from "../../core/logger.js";
import { redactUrl } from "./pg-db.js";
import { FEEDS_CHANNEL } from "./pg-feeds.js";
import { WORK_CHANNEL } from "./pg-outbox.js";

/** What another instance changed: feeds re-rendered (names, or undefined when too many to list), work queued. */
export interface ChangeHandlers {
  onFeeds?(names: readonly string[] | undefined): void;
  onWork?(): void;
}

export interface ChangeListener {
  close(): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * LISTENs on the feed and work channels with a connection of its own (a pooled one cannot hold
 * LISTEN). A lost connection is re-established with backoff; changes missed meanwhile are not
 * replayed, so callers also compare `generation()` now and then.
 */
export async function listenPostgresChanges(url: string, handlers: ChangeHandlers, log: Logger = silentLogger): Promise<ChangeListener> {
  const location = redactUrl(url);
  let closed = false;
  let client: pg.Client | undefined;
  /** A connection being opened (at start, or by a reconnect): close ends it too. */
  let opening: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: "pressroom listen" });
    c.on("notification", (n) => {
      if (n.channel === FEEDS_CHANNEL) {
        let names: string[] | undefined;
        try {
          const parsed: unknown = JSON.parse(n.payload ?? "");
          names = Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === "string") : undefined;
        } catch {
          names = undefined;
        }
        handlers.onFeeds?.(names);
      } else if (n.channel === WORK_CHANNEL) handlers.onWork?.();
    });
    c.on("error", (error) => log.warn("postgres listener lost", { location, error: error.message }));
    // The live connection ending schedules a reconnect; one that fails while opening is retried by
    // the reconnect's own backoff.
    c.on("end", () => {
      if (!closed && c === client) schedule(1_000);
    });
    opening = c;
    try {
      await c.connect();
      await c.query(`listen ${FEEDS_CHANNEL}`);
      await c.query(`listen ${WORK_CHANNEL}`);
      return c;
    } catch (error) {
      await c.end().catch(() => {});
      throw error;
    } finally {
      if (opening === c) opening = undefined;
    }
  };

  const schedule = (delay: number) => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect().then(
        (c) => {
          // Closed while it was opening: nobody listens any more.
          if (closed) {
            void c.end().catch(() => {});
            return;
          }
          client = c;
          log.info("postgres listener reconnected", { location });
          // Something may have changed while disconnected.
          handlers.onFeeds?.(undefined);
          handlers.onWork?.();
        },
        (error: unknown) => {
          log.warn("postgres listener reconnect failed", { location, error: describeError(error) });
          schedule(Math.min(delay * 2, MAX_BACKOFF_MS));
        },
      );
    }, delay);
  };

  try {
    client = await connect();
  } catch (error) {
    closed = true;
    throw new PressroomError("STATE_IO", `store: unable to listen on ${location}: ${describeError(error)}`);
  }
  return {
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      await Promise.all([client?.end().catch(() => {}), opening?.end().catch(() => {})]);
    },
  };
}
