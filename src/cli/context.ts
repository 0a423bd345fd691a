import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { loadConfig, parseConfig, type LoadedConfig } from "../config/load.js";
import { systemClock, type Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { createMailTransport, type ComposeOptions, type MailTransport } from "../mail/index.js";
import type { PipelineDeps } from "../pipeline/pipeline-deps.js";
import { createHttpFetcher } from "../sources/index.js";
import { PressroomError } from "../core/errors.js";
import { writeFileDurably } from "../store/durable-file.js";
import { openStore, type Store } from "../store/open-store.js";
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

/** The unsubscribe-token secret: PRESSROOM_SECRET, else one generated once and kept in the state folder. */
export async function readSecret(stateDir: string): Promise<string> {
  const fromEnv = process.env.PRESSROOM_SECRET;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (fromEnv.length < 16) throw new PressroomError("CONFIG_INVALID", "PRESSROOM_SECRET is too short: use at least 16 random characters (it signs unsubscribe links).");
    return fromEnv;
  }
  const file = join(stateDir, "secret.key");
  const existing = await readFile(file, "utf8").then((t) => t.trim(), () => "");
  if (existing.length >= 16) return existing;
  // Absent, or left empty by a crash: make one, durably.
  await mkdir(stateDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  await writeFileDurably(file, `${secret}\n`);
  await chmod(file, 0o600);
  return secret;
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
  readonly store: Store;
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

/** Builds the real dependencies of a run: config, locked store, polite fetcher, mail transport. */
export async function openContext(options: GlobalOptions & { command: string; alertBacklog?: boolean; log?: Logger; onProgress?: PipelineDeps["onProgress"] }): Promise<CliContext> {
  const loaded = await readConfig(options);
  const log = options.log ?? createCliLogger();
  const clock = systemClock;
  const stateDir = resolve(options.state);
  const store = await openStore(stateDir, { clock, feedEntries: loaded.config.feeds.entries, command: options.command });
  try {
    const secret = await readSecret(stateDir);
    const smtpUrl = process.env.PRESSROOM_SMTP_URL;
    const transport = createMailTransport({ ...(smtpUrl ? { smtpUrl } : {}), outboxDir: join(stateDir, "outbox") });
    const deps: PipelineDeps = {
      config: loaded.config,
      baseDir: loaded.baseDir,
      store,
      http: createHttpFetcher({}),
      clock,
      log,
      transport,
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
