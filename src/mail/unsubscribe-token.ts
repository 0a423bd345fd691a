import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";
import { PressroomError } from "../core/errors.js";

/** What an unsubscribe token unsubscribes: one topic of an address, or (no topicId) all of it. */
export interface UnsubscribePayload {
  readonly email: string;
  readonly topicId?: string;
}

const PURPOSE = "pressroom-unsubscribe-v1";

/** The secret as a key object, made once (a string key is converted on every HMAC otherwise). */
let key: { secret: string; object: KeyObject } | undefined;

function macOf(secret: string, body: string): Buffer {
  if (typeof secret !== "string" || secret.length === 0) {
    throw new PressroomError("CONFIG_INVALID", "unsubscribe secret is empty: set PRESSROOM_SECRET to a long random string");
  }
  if (key?.secret !== secret) key = { secret, object: createSecretKey(Buffer.from(secret, "utf8")) };
  return createHmac("sha256", key.object).update(`${PURPOSE}.${body}`).digest();
}

/**
 * Signs an unsubscribe token: `base64url(json).base64url(HMAC-SHA256)`. Tokens never expire, so a
 * link in an old email keeps working; without the secret one cannot be made or altered.
 */
export function signToken(secret: string, payload: UnsubscribePayload): string {
  const compact = payload.topicId === undefined ? { e: payload.email } : { e: payload.email, t: payload.topicId };
  const body = Buffer.from(JSON.stringify(compact), "utf8").toString("base64url");
  return `${body}.${macOf(secret, body).toString("base64url")}`;
}

/** The payload of a genuine token, or undefined for anything forged, altered or malformed. */
export function verifyToken(secret: string, token: string): UnsubscribePayload | undefined {
  if (typeof token !== "string" || token.length > 2048) return undefined;
  const parts = token.split(".");
  if (parts.length !== 2) return undefined;
  const [body, mac] = parts as [string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(mac)) return undefined;
  const expected = macOf(secret, body);
  const given = Buffer.from(mac, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const { e, t } = parsed as { e?: unknown; t?: unknown };
    if (typeof e !== "string") return undefined;
    if (t !== undefined && typeof t !== "string") return undefined;
    return t === undefined ? { email: e } : { email: e, topicId: t };
  } catch {
    return undefined;
  }
}

/** `${baseUrl}/unsubscribe?token=...` (a trailing slash on baseUrl is ignored). */
export function unsubscribeUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/unsubscribe?token=${encodeURIComponent(token)}`;
}
