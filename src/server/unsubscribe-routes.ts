import type { IncomingMessage, ServerResponse } from "node:http";
import { escapeHtml } from "../core/text.js";
import { verifyToken, type UnsubscribePayload } from "../mail/index.js";
import { HttpError } from "./http-errors.js";
import { renderMessagePage, renderPage } from "./page-layout.js";
import { sendHtml } from "./send-response.js";
import type { ServerContext } from "./server-context.js";
import { recordRequest } from "./state-access.js";

function payloadOr400(ctx: ServerContext, token: string | null): { token: string; payload: UnsubscribePayload } {
  const payload = token === null ? undefined : verifyToken(ctx.secret, token);
  if (!token || !payload) throw new HttpError(400, "this unsubscribe link is not valid: copy the whole link from the email");
  return { token, payload };
}

/** `GET /unsubscribe?token=…`: says what will stop, with a one-click button (no login). */
export async function showUnsubscribe(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { token, payload } = payloadOr400(ctx, url.searchParams.get("token"));
  const topic = payload.topicId === undefined
    ? undefined
    : (await ctx.store.subscriptions.get(payload.email))?.topics.find((t) => t.id === payload.topicId);
  const what = payload.topicId === undefined ? "all Pressroom alerts" : topic ? `alerts for ${topic.query}` : "alerts for this topic";
  const action = `/unsubscribe?token=${encodeURIComponent(token)}`;
  const body = `<p>Stop sending ${escapeHtml(what)} to ${escapeHtml(payload.email)}?</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`;
  sendHtml(res, 200, renderPage({ title: "Unsubscribe", body }), req.method === "HEAD");
}

/**
 * `POST /unsubscribe?token=…` (RFC 8058 one-click, body `List-Unsubscribe=One-Click`): removes the
 * token's topic, or the whole subscriber. Idempotent: an address already gone is still a success.
 */
export async function handleUnsubscribe(ctx: ServerContext, _req: IncomingMessage, res: ServerResponse, url: URL, form: URLSearchParams): Promise<void> {
  const { payload } = payloadOr400(ctx, url.searchParams.get("token") ?? form.get("token"));
  // Recorded durably at once even while a run holds the state: mail providers do not retry.
  const applied = await recordRequest(ctx, { type: "remove", email: payload.email, ...(payload.topicId !== undefined ? { topicId: payload.topicId } : {}) });
  ctx.log.info("unsubscribed", { all: payload.topicId === undefined, applied });
  const what = payload.topicId === undefined ? "any more alerts" : "alerts for that topic";
  sendHtml(res, 200, renderMessagePage("Unsubscribed", `${payload.email} will not get ${what}.`));
}
