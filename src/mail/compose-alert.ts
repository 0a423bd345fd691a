import { PressroomError } from "../core/errors.js";
import type { Delivery } from "../core/subscription.js";
import { batchIdFor, listIdDomain, messageIdFor } from "./message-id.js";
import { renderHtml, renderText, type AlertBody, type AlertItem } from "./render-body.js";
import { signToken, unsubscribeUrl } from "./unsubscribe-token.js";
import { validateEmail } from "./validate-email.js";

export interface ComposeOptions {
  /** From header, e.g. `Pressroom <alerts@example.org>`. */
  readonly from: string;
  /** Public base URL of the server (unsubscribe links). */
  readonly baseUrl: string;
  /** List-Id, e.g. `home-office.pressroom.example.org`; also the Message-ID domain. */
  readonly listId: string;
  /** Address that takes `unsubscribe <token>` mails. */
  readonly unsubscribeMailto: string;
  /** HMAC secret for unsubscribe tokens. */
  readonly secret: string;
}

export interface ComposedMessage {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
  /** `<batchId@domain>`, the same on every re-send of the batch. */
  readonly messageId: string;
}

// eslint-disable-next-line no-control-regex
const UNSAFE_IN_HEADER = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]+/g;

/**
 * One line of header text: control characters (CR, LF, ...) and bidirectional overrides become
 * spaces; length capped (never between the two halves of a surrogate pair).
 */
export function headerText(input: string, max = 180): string {
  const line = input.replace(UNSAFE_IN_HEADER, " ").replace(/\s+/g, " ").trim();
  if (line.length <= max) return line;
  let cut = max - 1;
  if (/[\uD800-\uDBFF]/.test(line[cut - 1] ?? "")) cut--;
  return `${line.slice(0, cut).trimEnd()}…`;
}

function subjectOf(items: readonly Delivery[]): string {
  if (items.length === 1) {
    const d = items[0]!;
    return headerText(`[Pressroom] ${d.revision ? "Updated: " : ""}${stripUnsafeText(d.snapshot.title)}`);
  }
  const departments = new Set(items.map((d) => d.snapshot.department));
  const dept = departments.size === 1 ? `${[...departments][0]} ` : "";
  const what = items.some((d) => d.revision) ? "new or updated" : "new";
  return headerText(`[Pressroom] ${items.length} ${what} ${dept}releases for your topics`);
}

function introOf(items: readonly Delivery[]): string {
  if (items.length === 1) {
    return items[0]!.revision ? "A release you follow was updated." : "A new release matches your topics.";
  }
  const label = items[0]!.frequency === "weekly" ? "weekly" : items[0]!.frequency === "daily" ? "daily" : "";
  return `Your ${label ? `${label} ` : ""}digest: ${items.length} releases matched your topics.`;
}

/**
 * C0 and C1 controls (but tab and newline), and the bidirectional embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069): text from a source or a stranger must not reorder or hide what an
 * email says. Each becomes a space, so offsets into the text (snippet highlights) stay valid.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

export function stripUnsafeText(input: string): string {
  return input.replace(UNSAFE_IN_TEXT, " ");
}

const isHttpUrl = (url: string | undefined) => url !== undefined && URL.canParse(url) && /^https?:$/.test(new URL(url).protocol);

/** The snapshot as shown: unsafe characters stripped, and always a link — the release's URL, else its page on the server. */
function displaySnapshot(d: Delivery, baseUrl: string): Delivery["snapshot"] {
  const s = d.snapshot;
  return {
    ...s,
    title: stripUnsafeText(s.title),
    department: stripUnsafeText(s.department),
    summary: stripUnsafeText(s.summary),
    snippet: { ...s.snippet, text: stripUnsafeText(s.snippet.text) },
    ...(s.changes !== undefined ? { changes: stripUnsafeText(s.changes) } : {}),
    // Same address as the server's /releases/<id> route and the feeds' release links.
    url: isHttpUrl(s.url) ? s.url! : `${baseUrl.replace(/\/+$/, "")}/releases/${encodeURIComponent(d.releaseId)}`,
  };
}

/** Stable order: newest release date first, then title, then id; a re-send renders the same body. */
function ordered(deliveries: readonly Delivery[]): Delivery[] {
  return [...deliveries].sort(
    (a, b) => b.snapshot.date.localeCompare(a.snapshot.date) || a.snapshot.title.localeCompare(b.snapshot.title) || a.id.localeCompare(b.id),
  );
}

/**
 * Builds one email for one subscriber: a single delivery becomes an alert naming the release, several
 * a digest. Text and HTML parts (HTML escaped), list headers for one-click unsubscribe (RFC 8058),
 * and a deterministic Message-ID from the batch, so a re-send after a crash is recognisably the same.
 */
export function composeAlert(deliveries: readonly Delivery[], options: ComposeOptions): ComposedMessage {
  if (deliveries.length === 0) throw new PressroomError("MAIL_FAILED", "mail: nothing to compose (no deliveries)");
  const emails = new Set(deliveries.map((d) => d.email));
  if (emails.size !== 1) throw new PressroomError("MAIL_FAILED", "mail: one message must go to one subscriber");
  const to = validateEmail(deliveries[0]!.email);
  const mailto = validateEmail(options.unsubscribeMailto);
  const items = ordered(deliveries);

  const batchId = deliveries.find((d) => d.batchId)?.batchId ?? batchIdFor(deliveries.map((d) => d.id));
  const messageId = deliveries.find((d) => d.messageId)?.messageId ?? messageIdFor(batchId, options.listId);

  const topicTokens = new Map<string, string>();
  const topicToken = (id: string) => {
    let token = topicTokens.get(id);
    if (token === undefined) {
      token = signToken(options.secret, { email: to, topicId: id });
      topicTokens.set(id, token);
    }
    return token;
  };
  const topicUrl = (id: string) => unsubscribeUrl(options.baseUrl, topicToken(id));
  const alertItems: AlertItem[] = items.map((d) => ({
    snapshot: displaySnapshot(d, options.baseUrl),
    revision: d.revision,
    topics: d.topics.map((t) => ({ query: t.query, unsubscribeUrl: topicUrl(t.id) })),
  }));
  const allToken = signToken(options.secret, { email: to });
  const body: AlertBody = { intro: introOf(items), items: alertItems, unsubscribeAllUrl: unsubscribeUrl(options.baseUrl, allToken) };

  // One-click unsubscribe removes what this message is about: its one topic, or everything.
  const topicIds = new Set(items.flatMap((d) => d.topics.map((t) => t.id)));
  const onlyTopic = topicIds.size === 1 ? [...topicIds][0] : undefined;
  const headerToken = onlyTopic === undefined ? allToken : topicToken(onlyTopic);
  const headers: Record<string, string> = {
    "List-Unsubscribe": `<${unsubscribeUrl(options.baseUrl, headerToken)}>, <mailto:${mailto}?subject=unsubscribe%20${headerToken}>`,
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "List-Id": `<${listIdDomain(options.listId)}>`,
    "Auto-Submitted": "auto-generated",
  };
  for (const [name, value] of Object.entries(headers)) headers[name] = headerText(value, 2000);

  return {
    from: headerText(options.from, 300),
    to,
    subject: subjectOf(items),
    text: renderText(body),
    html: renderHtml(body),
    headers,
    messageId,
  };
}
