import { join, resolve } from "node:path";
import type { LoadedConfig } from "../../config/load.js";
import { PressroomError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { createMailTransport } from "../../mail/index.js";
import { createServer } from "../../server/index.js";
import { createCliLogger, readConfig, readSecret, type GlobalOptions } from "../context.js";
import { waitForStopSignal } from "./stop-signal.js";

export interface ServeOptions extends GlobalOptions {
  /** Default: config `server.port`; 0 picks a free port. */
  readonly port?: number;
  /** Default: config `server.host`. */
  readonly host?: string;
}

/** Starts the HTTP server over a state folder (used by `serve` and `daemon`). */
export async function startServing(loaded: LoadedConfig, stateDir: string, log: Logger, options: { port?: number; host?: string }) {
  const secret = await readSecret(stateDir);
  const smtpUrl = process.env.PRESSROOM_SMTP_URL;
  const transport = createMailTransport({ ...(smtpUrl ? { smtpUrl } : {}), outboxDir: join(stateDir, "outbox") });
  const server = createServer({ stateDir, config: loaded.config, secret, transport, log });
  try {
    const { url } = await server.listen(options.port ?? loaded.config.server.port, options.host ?? loaded.config.server.host);
    return {
      url,
      close: async () => {
        await server.close();
        await transport.close();
      },
    };
  } catch (error) {
    await transport.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES") {
      throw new PressroomError("USAGE", `cannot listen on ${options.host ?? loaded.config.server.host}:${options.port ?? loaded.config.server.port} (${code}); choose another --port`);
    }
    throw error;
  }
}

/** `pressroom serve [--port 8080] [--host 127.0.0.1]`: serves feeds and pages until SIGTERM/SIGINT. */
export async function serveCommand(options: ServeOptions): Promise<number> {
  const loaded = await readConfig(options);
  const log = createCliLogger();
  const serving = await startServing(loaded, resolve(options.state), log, options);
  process.stdout.write(`pressroom: serving ${resolve(options.state)} on ${serving.url}\n`);
  const signal = await waitForStopSignal();
  log.info("shutting down", { signal });
  await serving.close();
  return 0;
}
