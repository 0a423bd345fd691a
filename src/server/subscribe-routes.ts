import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { describeError, isPressroomError } from "../core/errors.js";
import type { Frequency, Topic } from "../core/subscription.js";
import { escapeHtml } from "../core/text.js";
import { signToken, topicId, unsubscribeUrl, validateEmail } from "../mail/index.js";
import { compileQuery } from "../match/index.js";
import { composeConfirmation } from "./confirmation-email.js";
import { HttpError } from "./http-errors.js";
import { renderMessagePage, renderPage } from "./page-layout.js";
import { readForm } from "./read-form.js";
import { sendHtml } from "./send-response.js";
import type { ServerContext } from "./server-context.js";
import { recordRequest, withWriteStore } from "./state-access.js";
import { clientAddress } from "./rate-limit.js";
import { checkConfirmLimit, checkSubscribeLimits } from "./subscribe-limits.js";

const FREQUENCIES: readonly Frequency[] = ["immediate", "daily", "weekly"];
/** A confirmation link works for this long. */
export const PENDING_TTL_MS = 7 * 24 * 3_600_000;
const TOKEN = /^[A-Za-z0-9_-]{32}$/;

/** Whether a pending subscription created at `createdAt` is too old to confirm (unreadable dates are). */
export function isExpired(createdAt: string, now: Date): boolean {
  const created = Date.parse(createdAt);
  return Number.isNaN(created) || now.getTime() - created > PENDING_TTL_MS;
}

function newToken(): string {
  return randomBytes(24).toString("base64url");
}

/** Field checks shared by the form: each failure is a 400 with the reason. */
function validateForm(form: URLSearchParams): { email: string; query: string; frequency: Frequency } {
  let email: string;
  try {
    email = validateEmail(form.get("email") ?? "");
  } catch (error) {
    throw new HttpError(400, describeError(error));
  }
  const query = (form.get("query") ?? "").trim();
  if (query === "") throw new HttpError(400, "enter a topic, e.g. asylum or \"small boats\"");
  if (query.length > 500) throw new HttpError(400, "the topic is too long (over 500 characters)");
  try {
    compileQuery(query);
  } catch (error) {
    if (isPressroomError(error, "QUERY_INVALID")) throw new HttpError(400, error.message);
    throw error;
  }
  const frequency = (form.get("frequency") ?? "immediate") as Frequency;
  if (!FREQUENCIES.includes(frequency)) throw new HttpError(400, `frequency must be one of ${FREQUENCIES.join(", ")}`);
  return { email, query, frequency };
}

/** `POST /subscribe`: stores a pending subscription and emails its confirmation link. Subscribes nobody. */
export async function handleSubscribe(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { email, query, frequency } = validateForm(await readForm(req));
  // Only requests that would send an email count: a visitor fixing a typo is not held back.
  const slots = await checkSubscribeLimits(ctx.subscribeLimiters, requestClient(ctx, req), email);
  const token = newToken();
  try {
    await withWriteStore(ctx, async (store) => {
      const now = ctx.clock.now();
      await store.subscriptions.prunePending(new Date(now.getTime() - PENDING_TTL_MS));
      await store.subscriptions.putPending({ token, email, query, frequency, createdAt: now.toISOString() });
    });
  } catch (error) {
    // A request that did nothing (the state busy with a run: 503) does not use up a slot.
    await slots.refund();
    throw error;
  }
  const { mail } = ctx.config;
  try {
    await ctx.transport.send(composeConfirmation({ to: email, query, frequency, token, baseUrl: ctx.publicUrl(), from: mail.from, listId: mail.listId }));
  } catch (error) {
    ctx.log.error("confirmation email failed", { error: describeError(error) });
    await slots.refund();
    throw new HttpError(503, "we could not send the confirmation email just now; please try again later", { "Retry-After": "300" });
  }
  ctx.log.info("subscription pending", { topic: topicId(query), frequency });
  sendHtml(res, 200, renderMessagePage("Check your email", `We sent a confirmation link to ${email}. Your subscription starts when you follow it.`));
}

function tokenOr400(token: string | null): string {
  if (token === null || !TOKEN.test(token)) throw new HttpError(400, "this confirmation link is not valid: copy the whole link from the email");
  return token;
}

/** `GET /confirm?token=…`: a page with a button (a POST, so link scanners confirm nothing). */
export async function showConfirm(_ctx: ServerContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const token = tokenOr400(url.searchParams.get("token"));
  const body = `<p>Press the button to start your Pressroom email alerts.</p>
<form method="post" action="/confirm"><input type="hidden" name="token" value="${escapeHtml(token)}"><button type="submit">Confirm subscription</button></form>`;
  sendHtml(res, 200, renderPage({ title: "Confirm your subscription", body }), req.method === "HEAD");
}

/** The client's address, believing `X-Forwarded-For` only from a `server.trustProxy` address. */
export function requestClient(ctx: ServerContext, req: IncomingMessage): string | undefined {
  return clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], ctx.config.server.trustProxy);
}

/** `POST /confirm`: takes the pending subscription and adds its topic to the subscriber. */
export async function handleConfirm(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, form: URLSearchParams): Promise<void> {
  // Every attempt counts (guessing tokens is what this limit stops).
  await checkConfirmLimit(ctx.subscribeLimiters, requestClient(ctx, req));
  const token = tokenOr400(form.get("token"));
  const now = ctx.clock.now();
  // Read without the state lock; the confirmation itself is recorded durably even during a run.
  const pending = await ctx.store.subscriptions.getPending(token);
  if (!pending) throw new HttpError(400, "this confirmation link is unknown, expired or already used: subscribe again from the home page");
  if (isExpired(pending.createdAt, now)) {
    // Taking an expired entry deletes it, so old links leave nothing behind once followed (skipped during a run: pruned later).
    await withWriteStore(ctx, (store) => store.subscriptions.takePending(token)).catch(() => undefined);
    throw new HttpError(410, "this confirmation link has expired (links work for 7 days): subscribe again from the home page");
  }
  const topic: Topic = { id: topicId(pending.query), query: pending.query, frequency: pending.frequency, revisions: false, createdAt: now.toISOString() };
  const applied = await recordRequest(ctx, { type: "confirm", token, email: pending.email, topic });
  ctx.log.info("subscription confirmed", { topic: topic.id, frequency: topic.frequency, applied });
  const stop = unsubscribeUrl("", signToken(ctx.secret, { email: pending.email, topicId: topic.id }));
  sendHtml(res, 200, renderMessagePage("Subscribed", `${pending.email} now gets alerts for ${topic.query}.`, `<p><a href="${escapeHtml(stop)}">Unsubscribe from this topic</a></p>`));
}
