import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { parseConnectionUrl } from "nodemailer/lib/shared";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import type { MailTransport, SendOptions, SendResult } from "./mail-transport.js";
import { buildRawMessage, type RawMessage } from "./raw-message.js";
import { classifySendError } from "./send-error.js";

/** Messages per connection before it is replaced (some servers cap a session). */
const MESSAGES_PER_CONNECTION = 1_000;

/** Error codes of a connection that broke (as opposed to a server that refused the message). */
const BROKEN = new Set(["ECONNECTION", "ESOCKET", "ETIMEDOUT", "ESTREAM", "EPROTOCOL", "ETLS"]);

interface Slot {
  connection: SMTPConnection | undefined;
  /** The connection being opened (by a send or by `warm`), so a slot never opens two. */
  connecting: Promise<SMTPConnection> | undefined;
  /** Messages sent over `connection`. */
  messages: number;
}

type SmtpError = SMTPConnection.SMTPError & { responseCode?: number };

/**
 * SMTP over up to `connections` connections, each sending one message at a time, through
 * nodemailer's connection layer (`nodemailer/lib/smtp-connection`): the message goes out as one
 * prepared buffer (see `buildRawMessage`), with no per-message MIME tree, plugins or stream
 * pipeline. Connection, greeting and socket timeouts; STARTTLS when the server offers it, `smtps:`
 * for TLS from the start, and the URL's user and password to log in. A connection is opened when a
 * send needs it, kept for the next message, reset after the server refused a message, and dropped
 * (the next send opens a fresh one) when it broke; a reused connection the server had closed
 * meanwhile gets the message again on a fresh one when not a byte of it was sent. `warm` opens the
 * idle slots' connections ahead of the first sends (the greeting alone can take 100 ms or more), so
 * a sender that knows mail is coming need not wait for them in turn.
 */
export function createSmtpTransport(options: { url: string; pool: boolean; connections?: number; timeoutMs: number }): MailTransport {
  // The URL as nodemailer reads it (smtp: or smtps:, host, port, user and password, ?query options).
  const { auth, ...fromUrl } = parseConnectionUrl(options.url);
  const connectionOptions = {
    ...fromUrl,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs * 3,
  } as SMTPConnection.Options;
  const credentials = auth && (auth.user || auth.pass) ? { user: auth.user, credentials: { user: auth.user, pass: auth.pass } } : undefined;
  const free: Slot[] = Array.from({ length: Math.max(1, options.connections ?? 4) }, () => ({ connection: undefined, connecting: undefined, messages: 0 }));
  const waiting: ((slot: Slot) => void)[] = [];
  let closed = false;

  const acquire = (): Promise<Slot> => {
    const slot = free.pop();
    return slot ? Promise.resolve(slot) : new Promise((resolve) => waiting.push(resolve));
  };
  const release = (slot: Slot): void => {
    if (!options.pool || closed) drop(slot, true);
    const next = waiting.shift();
    if (next) next(slot);
    else free.push(slot);
  };
  const drop = (slot: Slot, polite = false): void => {
    const connection = slot.connection;
    slot.connection = undefined;
    slot.messages = 0;
    if (!connection) return;
    if (polite) connection.quit();
    else connection.close();
  };

  const connect = (slot: Slot): Promise<SMTPConnection> => {
    if (slot.connection && !slot.connection.destroyed) return Promise.resolve(slot.connection);
    if (slot.connecting) return slot.connecting;
    slot.connection = undefined;
    slot.messages = 0;
    const opening = open(slot);
    slot.connecting = opening;
    const settle = () => {
      if (slot.connecting === opening) slot.connecting = undefined;
    };
    opening.then(settle, settle);
    return opening;
  };

  const open = (slot: Slot): Promise<SMTPConnection> =>
    new Promise((resolve, reject) => {
      const connection = new SMTPConnection(connectionOptions);
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        connection.close();
        reject(error);
      };
      // Errors of an idle connection (the server's idle timeout, a reset) only end it: the next send opens another.
      connection.on("error", (error) => fail(error));
      connection.once("end", () => {
        if (slot.connection === connection) slot.connection = undefined;
        fail(Object.assign(new Error("Connection closed unexpectedly"), { code: "ECONNECTION" }));
      });
      connection.connect((error) => {
        if (error) return fail(error);
        const done = () => {
          if (settled) return;
          // Opened ahead (`warm`) while the transport was being closed: nobody will use it.
          if (closed) return fail(Object.assign(new Error("the SMTP transport was closed"), { code: "ECONNECTION" }));
          settled = true;
          slot.connection = connection;
          resolve(connection);
        };
        // As nodemailer's pool: credentials are offered only to a server that offers AUTH.
        if (!credentials || !connection.allowsAuth) return done();
        connection.login(credentials, (loginError) => (loginError ? fail(loginError) : done()));
      });
    });

  /** Sends over `connection`; the message's data waits for `gate` (a rejected gate abandons the message). */
  const transmit = (connection: SMTPConnection, message: RawMessage, gate: Promise<void> | undefined): Promise<SMTPConnection.SentMessageInfo> =>
    new Promise((resolve, reject) => {
      const body = new MessageBody(message.raw, gate, () => connection._socket || undefined);
      connection.send({ from: message.envelope.from, to: message.envelope.to }, body, (error, info) => {
        if (error) reject(Object.assign(error, { started: body.started }));
        else resolve(info!);
      });
    });

  /**
   * RSET after a refused message. A server that ends the session instead (or never answers) leaves
   * nodemailer's callback uncalled: the connection's end or error, or the timeout, also settle it,
   * and the connection is then dropped.
   */
  const resetSession = (slot: Slot, connection: SMTPConnection): Promise<void> =>
    new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (ok: boolean) => {
        if (timer === undefined) return;
        clearTimeout(timer);
        timer = undefined;
        connection.off("end", ended);
        connection.off("error", ended);
        if (!ok && slot.connection === connection) drop(slot);
        resolve();
      };
      const ended = () => settle(false);
      timer = setTimeout(ended, options.timeoutMs);
      connection.once("end", ended);
      connection.once("error", ended);
      connection.reset((resetError) => settle(!resetError));
    });

  const sendOn = async (slot: Slot, message: RawMessage, gate: Promise<void> | undefined): Promise<SendResult> => {
    for (let attempt = 0; ; attempt++) {
      // Opened before this send (for an earlier message, or ahead by `warm`): the server may have closed it meanwhile.
      const reused = slot.connection !== undefined;
      const connection = await connect(slot);
      try {
        const info = await transmit(connection, message, gate);
        if (++slot.messages >= MESSAGES_PER_CONNECTION) drop(slot, true);
        return {
          accepted: info.accepted.map(String),
          rejected: info.rejected.map(String),
          ...(typeof info.response === "string" ? { response: info.response } : {}),
        };
      } catch (caught) {
        const error = caught as SmtpError & { started?: boolean };
        const broken = error.code !== undefined && BROKEN.has(error.code);
        if (broken || error.responseCode === 421 || connection.destroyed) {
          drop(slot);
          // A kept connection the server closed while idle: the message was never begun, send it on a fresh one.
          if (broken && reused && attempt === 0 && !error.started && !gateRejected(error)) continue;
        } else {
          // The server refused this message; the session is fine once reset.
          await resetSession(slot, connection);
        }
        throw error;
      }
    }
  };

  return {
    kind: "smtp",
    async send(message, sendOptions?: SendOptions): Promise<SendResult> {
      try {
        if (closed) throw Object.assign(new Error("the SMTP transport was closed"), { code: "ECONNECTION" });
        const raw = buildRawMessage(message);
        const slot = await acquire();
        try {
          return await sendOn(slot, raw, sendOptions?.release);
        } finally {
          release(slot);
        }
      } catch (error) {
        throw classifySendError(error);
      }
    },
    warm() {
      if (closed || !options.pool) return;
      // Free slots only (a slot in use is connected or connecting already); a failure here is
      // met again, and reported, by the send that next uses the slot.
      for (const slot of free) connect(slot).catch(() => {});
    },
    async close() {
      closed = true;
      for (const slot of free) drop(slot, true);
    },
  };
}

function gateRejected(error: { code?: string }): boolean {
  return error.code === "ESTREAM";
}

/**
 * A message's bytes as the stream SMTPConnection pipes into the DATA phase once the server took the
 * envelope. They go out in one socket write with the end-of-data line (the socket corked for the
 * turn), and only once `gate` resolves; a rejected gate fails the send (`ESTREAM`) without ever
 * ending the data, so the server never accepts the message.
 */
class MessageBody extends Readable {
  /** Whether any byte of the message was handed to the connection. */
  started = false;

  constructor(private readonly raw: Buffer, private readonly gate: Promise<void> | undefined, private readonly socket: () => Socket | undefined) {
    super();
    gate?.catch((error: unknown) => {
      if (!this.started) this.destroy(Object.assign(new Error(`message abandoned before its end: ${String(error)}`), { code: "ESTREAM", cause: error }));
    });
  }

  override _read(): void {}

  override pipe<T extends NodeJS.WritableStream>(destination: T): T {
    const write = () => {
      if (this.destroyed || this.started) return;
      this.started = true;
      // Run as a microtask, after the nextTick that sets the DATA stream flowing: the bytes and the
      // end-of-data line reach the socket right here, so corking sends them in one write.
      const socket = this.socket();
      socket?.cork();
      destination.write(this.raw);
      destination.end();
      socket?.uncork();
    };
    (this.gate ?? Promise.resolve()).then(write, () => {});
    return destination;
  }
}
