import { createRequire } from "node:module";
import type { DestinationStream, pino as Pino } from "pino";
import type { LogFields, Logger } from "../core/logger.js";

// pino is loaded by the first JSON logger: commands that never log (`pressroom search`) start without it.
const requirePino = (): typeof Pino => (createRequire(import.meta.url)("pino") as { pino: typeof Pino }).pino;

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** JSON lines (pino) when not on a terminal; short readable lines on a terminal. */
export function createLogger(options: { json: boolean; level: LogLevel; stream?: NodeJS.WritableStream }): Logger {
  const stream = options.stream ?? process.stderr;
  if (options.json) {
    const pino = requirePino();
    const p = pino({ level: options.level, base: { app: "pressroom" }, timestamp: pino.stdTimeFunctions.isoTime }, stream as DestinationStream);
    const at = (level: "debug" | "info" | "warn" | "error") => (message: string, fields?: LogFields) => p[level](fields ?? {}, message);
    return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  }
  const at = (level: Exclude<LogLevel, "silent">) => (message: string, fields?: LogFields) => {
    if (ORDER[level] < ORDER[options.level]) return;
    const extra = fields ? Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ") : "";
    stream.write(`${level === "info" ? "" : `${level}: `}${message}${extra ? ` ${extra}` : ""}\n`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
