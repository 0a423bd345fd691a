import { PressroomError } from "../core/errors.js";

/** A failed send, classified: `permanent` ones are recorded as failed, others retried with backoff. */
export class MailSendError extends PressroomError {
  readonly permanent: boolean;
  readonly responseCode?: number;
  /** True when the server could not be reached at all (the rest of a run should wait too). */
  readonly unreachable: boolean;
  constructor(message: string, info: { permanent: boolean; responseCode?: number; unreachable?: boolean; cause?: unknown }) {
    super("MAIL_FAILED", message, { cause: info.cause });
    this.name = "MailSendError";
    this.permanent = info.permanent;
    if (info.responseCode !== undefined) this.responseCode = info.responseCode;
    this.unreachable = info.unreachable ?? false;
  }
}

const CONNECTION_CODES = new Set(["ECONNECTION", "ESOCKET", "ETIMEDOUT", "EDNS", "ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENOTFOUND", "EPIPE"]);
const PERMANENT_CODES = new Set(["EENVELOPE", "EMESSAGE", "ECONFIG", "EMAXRECIPIENTS"]);

interface NodemailerLike {
  code?: unknown;
  responseCode?: unknown;
  permanent?: unknown;
  response?: unknown;
  message?: unknown;
}

/**
 * Classifies what nodemailer threw. A reply code decides when there is one (5xx permanent except 503,
 * 4xx transient); otherwise a connection-level code (refused, timeout, reset, DNS) is transient and
 * an envelope or message error is permanent. Anything unknown is retried: retries are bounded.
 */
export function classifySendError(error: unknown): MailSendError {
  if (error instanceof MailSendError) return error;
  const e = (typeof error === "object" && error !== null ? error : {}) as NodemailerLike;
  const code = typeof e.code === "string" ? e.code : undefined;
  const responseCode = typeof e.responseCode === "number" ? e.responseCode : undefined;
  const text = typeof e.response === "string" ? e.response : typeof e.message === "string" ? e.message : String(error);
  const message = `smtp: ${code ? `${code} ` : ""}${text}`.slice(0, 500);
  if (responseCode !== undefined) {
    const permanent = typeof e.permanent === "boolean" ? e.permanent : responseCode >= 500 && responseCode < 600 && responseCode !== 503;
    return new MailSendError(message, { permanent, responseCode, cause: error });
  }
  if (code !== undefined && CONNECTION_CODES.has(code)) {
    return new MailSendError(message, { permanent: false, unreachable: true, cause: error });
  }
  return new MailSendError(message, { permanent: code !== undefined && PERMANENT_CODES.has(code), cause: error });
}
