/** Structured logging: a constant lowercase message plus fields. The CLI picks the implementation. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** A logger that records entries in memory (tests, status collection). */
export function memoryLogger(): Logger & { entries: { level: string; message: string; fields?: LogFields }[] } {
  const entries: { level: string; message: string; fields?: LogFields }[] = [];
  const at = (level: string) => (message: string, fields?: LogFields) => { entries.push({ level, message, fields }); };
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
