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
const UNSAFE_IN_HEADER = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]+/g;

/** One line of header text: control characters (CR, LF, ...) become spaces; length capped. */
export function headerText(input: string, max = 180): string {
  const line = input.replace(UNSAFE_IN_HEADER, " ").replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

function subjectOf(items: readonly Delivery[]): string {
  if (items.length === 1) {
    const d = items[0]!;
    return headerText(`[Pressroom] ${d.revision ? "Updated: " : ""}${d.snapshot.title}`);
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

  const topicUrls = new Map<string, string>();
  const topicUrl = (id: string) => {
    let url = topicUrls.get(id);
    if (url === undefined) {
      url = unsubscribeUrl(options.baseUrl, signToken(options.secret, { email: to, topicId: id }));
      topicUrls.set(id, url);
    }
    return url;
  };
  const alertItems: AlertItem[] = items.map((d) => ({
    snapshot: d.snapshot,
    revision: d.revision,
    topics: d.topics.map((t) => ({ query: t.query, unsubscribeUrl: topicUrl(t.id) })),
  }));
  const allToken = signToken(options.secret, { email: to });
  const body: AlertBody = { intro: introOf(items), items: alertItems, unsubscribeAllUrl: unsubscribeUrl(options.baseUrl, allToken) };

  // One-click unsubscribe removes what this message is about: its one topic, or everything.
  const topicIds = new Set(items.flatMap((d) => d.topics.map((t) => t.id)));
  const onlyTopic = topicIds.size === 1 ? [...topicIds][0] : undefined;
  const headerToken = onlyTopic === undefined ? allToken : signToken(options.secret, { email: to, topicId: onlyTopic });
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
