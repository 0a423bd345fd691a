import type { LoadedConfig } from "../../config/load.js";
import { PressroomError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { createServer, type ChangeFeed } from "../../server/index.js";
import { listenPostgresChanges, postgresLimits } from "../../store/postgres/index.js";
import { createCliLogger, createCliTransport, openStateFor, readConfig, secretFromEnv, stateTargetFor, type GlobalOptions } from "../context.js";
import { waitForStopSignal } from "./stop-signal.js";

export interface ServeOptions extends GlobalOptions {
  /** Default: config `server.port`; 0 picks a free port. */
  readonly port?: number;
  /** Default: config `server.host`. */
  readonly host?: string;
}

/**
 * Starts the HTTP server over the state (used by `serve` and `daemon`). It opens the state shared:
 * it reads without holding the state folder, and takes it only for a subscribe or unsubscribe.
 */
export async function startServing(loaded: LoadedConfig, globals: GlobalOptions, log: Logger, options: { port?: number; host?: string }) {
  const store = await openStateFor(globals, loaded, { command: "pressroom serve", mode: "shared", lockWaitMs: 5_000, log });
  const transport = await createCliTransport(globals);
  const close = async () => {
    await transport.close();
    await store.close();
  };
  try {
    const secret = await store.secret(secretFromEnv());
    // On PostgreSQL a run on another machine announces new feeds by NOTIFY: the server reads the
    // generation then (and twice a second as a fallback) instead of on every request.
    const target = stateTargetFor(globals, loaded);
    const changes: ChangeFeed | undefined = target.kind === "postgres"
      ? (onChange) => listenPostgresChanges(target.url, { onFeeds: onChange }, log)
      : undefined;
    const limits = target.kind === "postgres" ? postgresLimits(target.url) : undefined;
    const server = createServer({ store, config: loaded.config, secret, transport, log, ...(changes ? { changes } : {}), ...(limits ? { sharedLimits: limits.factory } : {}) });
    try {
      const { url } = await server.listen(options.port ?? loaded.config.server.port, options.host ?? loaded.config.server.host);
      return {
        url,
        location: store.location,
        close: async () => {
          await server.close();
          await limits?.close();
          await close();
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE" || code === "EACCES") {
        throw new PressroomError("USAGE", `cannot listen on ${options.host ?? loaded.config.server.host}:${options.port ?? loaded.config.server.port} (${code}); choose another --port`);
      }
      throw error;
    }
  } catch (error) {
    await close();
    throw error;
  }
}

/** `pressroom serve [--port 8080] [--host 127.0.0.1]`: serves feeds and pages until SIGTERM/SIGINT. */
export async function serveCommand(options: ServeOptions): Promise<number> {
  const loaded = await readConfig(options);
  const log = createCliLogger();
  const serving = await startServing(loaded, options, log, options);
  process.stdout.write(`pressroom: serving ${serving.location} on ${serving.url}\n`);
  const signal = await waitForStopSignal();
  log.info("shutting down", { signal });
  await serving.close();
  return 0;
}
