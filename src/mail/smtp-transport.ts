import nodemailer from "nodemailer";
import type { MailTransport, SendResult } from "./mail-transport.js";
import { buildRawMessage } from "./raw-message.js";
import { classifySendError } from "./send-error.js";

function addresses(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((a) => (typeof a === "string" ? a : typeof a === "object" && a !== null && "address" in a ? String(a.address) : String(a)));
}

/** Pooled SMTP through nodemailer (`connections` at once), with connection, greeting and socket timeouts. */
export function createSmtpTransport(options: { url: string; pool: boolean; connections?: number; timeoutMs: number }): MailTransport {
  const transporter = nodemailer.createTransport({
    url: options.url,
    pool: options.pool,
    maxConnections: options.connections ?? 4,
    // Messages per pooled connection before it is replaced (nodemailer's default of 100 reconnects often).
    maxMessages: 1_000,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs * 3,
    disableFileAccess: true,
    disableUrlAccess: true,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    kind: "smtp",
    async send(message): Promise<SendResult> {
      try {
        // The message goes out as one prepared buffer (see buildRawMessage), not through nodemailer's MIME stream.
        const { envelope, raw } = buildRawMessage(message);
        const info = (await transporter.sendMail({ envelope, raw, messageId: message.messageId })) as { accepted?: unknown; rejected?: unknown; response?: unknown };
        return {
          accepted: addresses(info.accepted),
          rejected: addresses(info.rejected),
          ...(typeof info.response === "string" ? { response: info.response } : {}),
        };
      } catch (error) {
        throw classifySendError(error);
      }
    },
    async close() {
      transporter.close();
    },
  };
}
