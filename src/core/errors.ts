/** Every error a user may see. `code` is stable and machine-readable; `message` says what to do. */
export type ErrorCode =
  | "CONFIG_INVALID"
  | "CONFIG_NOT_FOUND"
  | "DUMP_EMPTY"
  | "DUMP_CHANGED"
  | "DUMP_UNREADABLE"
  | "STATE_CORRUPT"
  | "STATE_LOCKED"
  | "STATE_SCHEMA"
  | "STATE_IO"
  | "STATE_NOT_EMPTY"
  | "FETCH_FAILED"
  | "FETCH_TIMEOUT"
  | "FETCH_HTTP"
  | "FETCH_TOO_LARGE"
  | "FEED_MALFORMED"
  | "SOURCE_INVALID"
  | "QUERY_INVALID"
  | "SUBSCRIPTION_INVALID"
  | "MAIL_FAILED"
  | "SCHEDULE_INVALID"
  | "DAEMON_RUNNING"
  | "USAGE";

export class PressroomError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PressroomError";
    this.code = code;
  }
}

export function isPressroomError(error: unknown, code?: ErrorCode): error is PressroomError {
  return error instanceof PressroomError && (code === undefined || error.code === code);
}

/** A message for any thrown value, for logs and summaries. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
