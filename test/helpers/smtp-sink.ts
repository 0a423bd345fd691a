import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

/** One message the sink accepted: the SMTP envelope, the raw bytes and the parsed mail. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
  readonly parsed: ParsedMail;
  readonly messageId: string | undefined;
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Messages accepted so far, in arrival order. */
  readonly messages: ReceivedMail[];
  /** Answers RCPT TO for this address with `code` (4xx or 5xx); undefined accepts it again. */
  rejectRecipient(address: string, code: number | undefined): void;
  /** Waits this long before answering each DATA (a slow server; 0: at once). */
  slow(ms: number): void;
  /** Answers every DATA with `code` (4xx or 5xx); undefined accepts again. */
  rejectData(code: number | undefined): void;
  /** The next `count` MAIL FROM commands get no answer: their connection is closed instead. */
  closeOnMailFrom(count: number): void;
  /** Closes every open connection, as a server ending idle sessions does; it keeps listening. */
  dropConnections(): Promise<void>;
  /** Connections opened so far (since the sink started or was reset). */
  readonly connectionsOpened: number;
  /** Stops listening and drops connections: clients get connection refused. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Forgets received messages and rejections. */
  reset(): void;
  close(): Promise<void>;
}

function smtpError(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

/**
 * A real SMTP server on 127.0.0.1 (port 0) for tests: STARTTLS disabled (its bundled certificate
 * has expired), no auth, every message parsed with mailparser before the 250 reply.
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const rejectedRecipients = new Map<string, number>();
  let dataCode: number | undefined;
  let delayMs = 0;
  let connectionsOpened = 0;
  let closeMail = 0;

  const options: SMTPServerOptions = {
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    closeTimeout: 200,
    onConnect(_session, callback) {
      connectionsOpened++;
      callback();
    },
    onMailFrom(_address, session, callback) {
      if (closeMail > 0) {
        closeMail--;
        for (const connection of server.connections) if (connection.id === session.id) connection.close();
        return;
      }
      callback();
    },
    onRcptTo(address, _session, callback) {
      const code = rejectedRecipients.get(address.address.toLowerCase());
      if (code !== undefined) return callback(smtpError(code, `${code === 550 ? "5.1.1 mailbox unavailable" : "4.2.1 try again later"}`));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", callback);
      stream.on("end", () => {
        if (dataCode !== undefined) return callback(smtpError(dataCode, dataCode >= 500 ? "5.7.1 message refused" : "4.3.0 temporary failure"));
        const raw = Buffer.concat(chunks).toString("utf8");
        simpleParser(raw).then(
          (parsed) => {
            messages.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              to: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
              messageId: parsed.messageId,
            });
            if (delayMs > 0) setTimeout(() => callback(), delayMs);
            else callback();
          },
          (error: unknown) => callback(error as Error),
        );
      });
    },
  };

  let server = new SMTPServer(options);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        // A sender killed mid-session (the several-instances test SIGKILLs one) resets its
        // connection: that is the client going away, not the sink failing. Anything else still throws.
        server.on("error", (error: NodeJS.ErrnoException) => {
          if (error.code === "ECONNRESET" || error.code === "EPIPE") return;
          throw error;
        });
        resolve((server.server.address() as AddressInfo).port);
      });
    });
  const stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  const port = await listen(0);
  let running = true;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    rejectRecipient(address, code) {
      if (code === undefined) rejectedRecipients.delete(address.toLowerCase());
      else rejectedRecipients.set(address.toLowerCase(), code);
    },
    rejectData(code) {
      dataCode = code;
    },
    slow(ms) {
      delayMs = ms;
    },
    closeOnMailFrom(count) {
      closeMail = count;
    },
    async dropConnections() {
      const open = [...server.connections];
      for (const connection of open) connection.close();
      // Let the clients see the close before the test sends again.
      await new Promise((resolve) => setTimeout(resolve, 50));
    },
    get connectionsOpened() {
      return connectionsOpened;
    },
    async down() {
      if (!running) return;
      running = false;
      await stop();
    },
    async up() {
      if (running) return;
      server = new SMTPServer(options);
      await listen(port);
      running = true;
    },
    reset() {
      messages.length = 0;
      rejectedRecipients.clear();
      dataCode = undefined;
      delayMs = 0;
      connectionsOpened = 0;
      closeMail = 0;
    },
    async close() {
      if (!running) return;
      running = false;
      await stop();
    },
  };
}
