import type { Clock } from "../core/clock.js";
import type { ComposedMessage } from "./compose-alert.js";
import { createEmlTransport } from "./eml-transport.js";
import { createSmtpTransport } from "./smtp-transport.js";

export interface SendResult {
  readonly accepted: string[];
  readonly rejected: string[];
  readonly response?: string;
}

export interface SendOptions {
  /**
   * The message may be completed (its SMTP data ended, its file written) only once this resolves;
   * everything before can go out meanwhile. When it rejects the message is abandoned, never
   * completed, and `send` rejects. A sender passes the durable write of its previous message's
   * outcome, so at most one accepted message per connection is ever unrecorded.
   */
  readonly release?: Promise<void>;
}

/** Sends composed messages. `send` throws `MailSendError` (classified transient or permanent). */
export interface MailTransport {
  /** `smtp` or `eml` (files under outboxDir). */
  readonly kind: "smtp" | "eml";
  /** A wrapper must pass `options` on: `release` is what bounds the duplicates a crash can cause. */
  send(message: ComposedMessage, options?: SendOptions): Promise<SendResult>;
  /**
   * Mail is coming: open connections now (in the background, never throwing) so the first sends
   * need not wait for them. Optional; transports with nothing to open leave it out.
   */
  warm?(): void;
  close(): Promise<void>;
}

export interface MailTransportOptions {
  /** `smtp://user:pass@host:587` or `smtps://...`; none writes `.eml` files instead. */
  readonly smtpUrl?: string;
  readonly outboxDir: string;
  /** Keep SMTP connections open for the next message (default true). */
  readonly pool?: boolean;
  /** SMTP connections the pool opens at most (default 4, `mail.connections`). */
  readonly connections?: number;
  /** Connection and greeting timeout in ms (default 10 s; socket idle timeout is 3×). */
  readonly timeoutMs?: number;
  /** Clock for `.eml` file names (default system time). */
  readonly clock?: Clock;
}

/** SMTP when an URL is configured (pooled, with timeouts), otherwise `.eml` files a newcomer can open. */
export function createMailTransport(options: MailTransportOptions): MailTransport {
  if (options.smtpUrl) {
    return createSmtpTransport({ url: options.smtpUrl, pool: options.pool ?? true, connections: options.connections ?? 4, timeoutMs: options.timeoutMs ?? 10_000 });
  }
  return createEmlTransport({ dir: options.outboxDir, ...(options.clock ? { clock: options.clock } : {}) });
}
