import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig, parseConfig, type LoadedConfig } from "../config/load.js";
import { systemClock, type Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { StateStore } from "../core/ports.js";
import type { ComposeOptions, MailTransport } from "../mail/index.js";
import type { PipelineDeps } from "../pipeline/pipeline-deps.js";
import { PressroomError } from "../core/errors.js";
import { releaseIndexKeys } from "../match/search-index.js";
import { openState, redactUrl, type OpenStateOptions, type StateTarget } from "../store/index.js";
import { createLogger, type LogLevel } from "./logger.js";

export const DEFAULT_CONFIG = "config/pressroom.yaml";

export interface GlobalOptions {
  readonly config?: string;
  readonly state: string;
}

/** Reads the config file; the default path may be absent (built-in defaults, offline-safe). */
export async function readConfig(options: GlobalOptions): Promise<LoadedConfig> {
  const path = options.config ?? DEFAULT_CONFIG;
  if (!options.config && !existsSync(path)) return { config: parseConfig({}), baseDir: process.cwd() };
  return loadConfig(path);
}

/**
 * Which engine holds the state: PRESSROOM_DATABASE_URL, else config `store.url` (PostgreSQL);
 * else the state folder (lowdb, the embedded default).
 */
export function stateTargetFor(options: GlobalOptions, loaded: LoadedConfig): StateTarget {
  const fromEnv = process.env.PRESSROOM_DATABASE_URL;
  const url = fromEnv !== undefined && fromEnv !== "" ? fromEnv : loaded.config.store.url;
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new PressroomError("CONFIG_INVALID", `PRESSROOM_DATABASE_URL must be a postgres:// URL (got ${redactUrl(url)})`);
    }
    return { kind: "postgres", url };
  }
  return { kind: "lowdb", dir: resolve(options.state) };
}

/** The unsubscribe-token secret given in the environment, checked; undefined lets the store keep its own. */
export function secretFromEnv(): string | undefined {
  const fromEnv = process.env.PRESSROOM_SECRET;
  if (fromEnv === undefined || fromEnv === "") return undefined;
  if (fromEnv.length < 16) throw new PressroomError("CONFIG_INVALID", "PRESSROOM_SECRET is too short: use at least 16 random characters (it signs unsubscribe links).");
  return fromEnv;
}

/** Opens the state the options and environment select, telling the user at once when it must wait for another process. */
export async function openStateFor(
  options: GlobalOptions,
  loaded: LoadedConfig,
  extra: { command: string; mode?: OpenStateOptions["mode"]; lockWaitMs?: number; log?: Logger; clock?: Clock },
): Promise<StateStore> {
  return openState(stateTargetFor(options, loaded), {
    clock: extra.clock ?? systemClock,
    feedEntries: loaded.config.feeds.entries,
    command: extra.command,
    // Every commit keeps the persisted search index (`pressroom search`, live topic feeds).
    searchKeys: releaseIndexKeys,
    ...(extra.mode ? { mode: extra.mode } : {}),
    ...(extra.lockWaitMs !== undefined ? { lockWaitMs: extra.lockWaitMs } : {}),
    ...(extra.log ? { log: extra.log } : {}),
    onLockWait: (holder, waitMs) => {
      process.stderr.write(`pressroom: the state folder is in use by ${holder}; waiting up to ${Math.round(waitMs / 1000)} s for it…\n`);
    },
  });
}

/** How long commands wait for a run holding the state folder (the README says 60 s). */
export const LOCK_WAIT_MS = 60_000;

/** Opens the state for one command and closes it after; `shared` only reads, never waiting for a run. */
export async function withState<T>(options: GlobalOptions, command: string, work: (store: StateStore) => Promise<T>, mode: "exclusive" | "shared" = "exclusive"): Promise<T> {
  const loaded = await readConfig(options);
  const store = await openStateFor(options, loaded, { command, lockWaitMs: LOCK_WAIT_MS, mode });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/**
 * `.eml` files go under the state folder's `outbox/` when no SMTP server is configured. Mail (and,
 * in openContext, the sources) are loaded only by the commands that use them, so `search`,
 * `status` and the subscription commands start without them.
 */
export async function createCliTransport(options: GlobalOptions, connections?: number): Promise<MailTransport> {
  const { createMailTransport } = await import("../mail/index.js");
  const smtpUrl = process.env.PRESSROOM_SMTP_URL;
  return createMailTransport({ ...(smtpUrl ? { smtpUrl } : {}), outboxDir: join(resolve(options.state), "outbox"), ...(connections ? { connections } : {}) });
}

/** A claim owner id unique to this process. */
export function ownerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

export function createCliLogger(): Logger {
  const wanted = process.env.PRESSROOM_LOG_LEVEL;
  if (wanted !== undefined && wanted !== "" && !LEVELS.includes(wanted as LogLevel)) {
    throw new PressroomError("CONFIG_INVALID", `PRESSROOM_LOG_LEVEL must be one of ${LEVELS.join(", ")} (got "${wanted}")`);
  }
  const level = (wanted as LogLevel | undefined) || (process.stderr.isTTY ? "warn" : "info");
  return createLogger({ json: !process.stderr.isTTY, level });
}

export interface CliContext {
  readonly loaded: LoadedConfig;
  readonly store: StateStore;
  readonly log: Logger;
  readonly clock: Clock;
  readonly deps: PipelineDeps;
  readonly transport: MailTransport;
  close(): Promise<void>;
}

export function composeOptions(loaded: LoadedConfig, secret: string): ComposeOptions {
  const { mail, feeds } = loaded.config;
  return { from: mail.from, baseUrl: feeds.baseUrl, listId: mail.listId, unsubscribeMailto: mail.unsubscribeMailto, secret };
}

/** Builds the real dependencies of a run: config, the state, polite fetcher, mail transport. */
export async function openContext(options: GlobalOptions & { command: string; alertBacklog?: boolean; log?: Logger; onProgress?: PipelineDeps["onProgress"] }): Promise<CliContext> {
  const loaded = await readConfig(options);
  const log = options.log ?? createCliLogger();
  const clock = systemClock;
  const store = await openStateFor(options, loaded, { command: options.command, log, clock });
  try {
    const secret = await store.secret(secretFromEnv());
    const transport = await createCliTransport(options, loaded.config.mail.connections);
    const { createHttpFetcher } = await import("../sources/index.js");
    const deps: PipelineDeps = {
      config: loaded.config,
      baseDir: loaded.baseDir,
      store,
      http: createHttpFetcher({}),
      clock,
      log,
      transport,
      owner: ownerId(),
      compose: composeOptions(loaded, secret),
      ...(options.alertBacklog ? { alertBacklog: true } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
    return {
      loaded, store, log, clock, deps, transport,
      close: async () => {
        await transport.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
