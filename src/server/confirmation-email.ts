import { randomBytes } from "node:crypto";
import type { Frequency } from "../core/subscription.js";
import { escapeHtml } from "../core/text.js";
import { headerText, listIdDomain, stripUnsafeText, type ComposedMessage } from "../mail/index.js";

export interface ConfirmationInput {
  readonly to: string;
  readonly query: string;
  readonly frequency: Frequency;
  readonly token: string;
  /** Absolute base URL of the server. */
  readonly baseUrl: string;
  readonly from: string;
  readonly listId: string;
}

/** `<baseUrl>/confirm?token=…` */
export function confirmUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/confirm?token=${encodeURIComponent(token)}`;
}

const FREQUENCY_TEXT: Record<Frequency, string> = {
  immediate: "as soon as a release matches",
  daily: "in a daily digest",
  weekly: "in a weekly digest",
};

/** The double opt-in email: one link to confirm; nothing else is sent before it is followed. */
export function composeConfirmation(input: ConfirmationInput): ComposedMessage {
  const url = confirmUrl(input.baseUrl, input.token);
  // A stranger typed it: shown, but controls and bidi overrides cannot disguise it.
  const topic = headerText(stripUnsafeText(input.query), 200);
  const text = [
    "Someone (we hope you) asked Pressroom to email this address about Home Office releases",
    `matching: ${topic}`,
    `(${FREQUENCY_TEXT[input.frequency]}).`,
    "",
    "To start, confirm here:",
    url,
    "",
    "If it was not you, ignore this email: nothing will be sent.",
  ].join("\n");
  const html = `<p>Someone (we hope you) asked Pressroom to email this address about Home Office releases matching <strong>${escapeHtml(topic)}</strong> (${FREQUENCY_TEXT[input.frequency]}).</p>
<p><a href="${escapeHtml(url)}">Confirm your subscription</a></p>
<p>If it was not you, ignore this email: nothing will be sent.</p>`;
  return {
    from: headerText(input.from, 300),
    to: input.to,
    subject: "[Pressroom] Confirm your subscription",
    text,
    html,
    headers: { "Auto-Submitted": "auto-generated" },
    // Random, unrelated to the token: headers are seen by every relay and mailbox filter.
    messageId: `<confirm-${randomBytes(16).toString("base64url")}@${listIdDomain(input.listId)}>`,
  };
}
