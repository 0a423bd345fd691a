import { pino } from "pino";
import type { LogFields, Logger } from "../core/logger.js";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** JSON lines (pino) when not on a terminal; short readable lines on a terminal. */
export function createLogger(options: { json: boolean; level: LogLevel; stream?: NodeJS.WritableStream }): Logger {
  const stream = options.stream ?? process.stderr;
  if (options.json) {
    const p = pino({ level: options.level, base: { app: "pressroom" }, timestamp: pino.stdTimeFunctions.isoTime }, stream as pino.DestinationStream);
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
