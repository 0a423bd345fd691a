import { randomUUID } from "node:crypto";
import addressparser from "nodemailer/lib/addressparser";
import { encodeWord, encodeWords, foldLines } from "nodemailer/lib/mime-funcs";
import { encode as qpEncode, wrap as qpWrap } from "nodemailer/lib/qp";
import type { ComposedMessage } from "./compose-alert.js";
import { MailSendError } from "./send-error.js";

/** A message as the bytes SMTP carries, with the envelope taken from its From and To. */
export interface RawMessage {
  readonly envelope: { readonly from: string; readonly to: string[] };
  readonly raw: Buffer;
}

interface Mailbox {
  readonly name: string;
  readonly address: string;
}

/** A bare address (what validateEmail gives): no display name, nothing addressparser would read otherwise. */
const BARE_ADDRESS = /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9.-]+$/i;

/** The last few address lists parsed (a sender's From is the same on every message). */
const parsed = new Map<string, Mailbox[]>();

function mailboxes(value: string): Mailbox[] {
  if (BARE_ADDRESS.test(value)) return [{ name: "", address: value }];
  let list = parsed.get(value);
  if (list === undefined) {
    list = addressparser(value, { flatten: true }).flatMap((m) => (m.address ? [{ name: m.name, address: m.address }] : []));
    if (parsed.size >= 16) parsed.clear();
    parsed.set(value, list);
  }
  return list;
}

/** `Name <address>`, the name quoted when it holds specials and MIME-encoded when it is not ASCII. */
function formatMailbox({ name, address }: Mailbox): string {
  if (!name) return address;
  const encoded = encodeWords(name, "Q", 52);
  const shown = encoded !== name ? encoded : /[()<>[\]:;@\\,."]/.test(name) ? `"${name.replace(/["\\]/g, "\\$&")}"` : name;
  return `${shown} <${address}>`;
}

/**
 * One header line, non-ASCII words MIME-encoded, folded at 76 columns as nodemailer folds them. A
 * value holding `=?` (text that looks like an encoded word, which mail readers would decode) is
 * encoded whole, so it is shown as written.
 */
function header(name: string, value: string, encode = true): string {
  const encoded = !encode ? value : value.includes("=?") ? encodeWord(value, "Q", 52) : encodeWords(value, "Q", 52);
  return foldLines(`${name}: ${encoded}`, 76);
}

/** RFC 5322 date in UTC, as nodemailer writes it. */
function rfc5322Date(at: Date): string {
  return at.toUTCString().replace(/GMT/, "+0000");
}

const crlf = (text: string) => text.replace(/\r\n|\r|\n/g, "\r\n");

function qpPart(contentType: string, body: string): string {
  return `Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qpWrap(qpEncode(crlf(body)), 76)}`;
}

/**
 * Builds the whole RFC 5322 message in one buffer: the same headers nodemailer would write for the
 * composed message (From, To, Subject, Message-ID, Date, MIME-Version, the list headers) and a
 * multipart/alternative body with quoted-printable text and HTML parts. Handing SMTP one buffer
 * costs one socket write per message instead of the dozens nodemailer's MIME stream makes.
 */
export function buildRawMessage(message: ComposedMessage, at: Date = new Date()): RawMessage {
  const from = mailboxes(message.from);
  const to = mailboxes(message.to);
  if (from.length !== 1 || to.length === 0) {
    throw new MailSendError(`mail: cannot address the message (from ${JSON.stringify(message.from)}, to ${JSON.stringify(message.to)}); check mail.from`, { permanent: true });
  }
  const text = qpPart("text/plain", message.text);
  const html = qpPart("text/html", message.html);
  let boundary = `--_pressroom_${randomUUID()}`;
  while (text.includes(boundary) || html.includes(boundary)) boundary = `--_pressroom_${randomUUID()}`;

  const lines = [
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    header("From", from.map(formatMailbox).join(", "), false),
    header("To", to.map(formatMailbox).join(", "), false),
    header("Subject", message.subject),
    header("Message-ID", message.messageId, false),
    `Date: ${rfc5322Date(at)}`,
    "MIME-Version: 1.0",
  ];
  for (const [name, value] of Object.entries(message.headers)) {
    // Structured list headers keep their URLs whole; free text gets encoded words.
    lines.push(header(name, value, !/^list-/i.test(name)));
  }
  const raw = `${lines.join("\r\n")}\r\n\r\n--${boundary}\r\n${text}\r\n--${boundary}\r\n${html}\r\n--${boundary}--\r\n`;
  return { envelope: { from: from[0]!.address, to: to.map((m) => m.address) }, raw: Buffer.from(raw, "utf8") };
}
