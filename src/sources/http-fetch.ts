/**
 * Polite HTTP GET for every live source: descriptive User-Agent, timeout, conditional GET, gzip,
 * streamed size limit, bounded manual redirects, Retry-After / exponential backoff on 429 and 503.
 */
import { redactUrls } from "../core/redact-url.js";
import { PressroomError } from "../core/errors.js";
import type { HttpFetcher, HttpRequestOptions, HttpResult, HttpValidators } from "../core/source.js";
import { decodeBody, readLimitedBody } from "./http-body.js";
import { backoffDelay, parseRetryAfter } from "./http-retry.js";

export const DEFAULT_USER_AGENT = "Pressroom/0.1 (+https://github.com/pressroom; press release monitor)";

export interface HttpFetcherOptions {
  readonly userAgent?: string;
  /** Per attempt, covering redirects and the body. Default 20 s. */
  readonly timeoutMs?: number;
  /** Largest body accepted, after decompression. Default 5 MB. */
  readonly maxBytes?: number;
  /** Default 5. */
  readonly maxRedirects?: number;
  /** Extra attempts after a 429 or 503. Default 2. */
  readonly retries?: number;
  /** Longest wait before a retry; a `Retry-After` asking for more gives up instead. Default 30 s. */
  readonly maxRetryAfterMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source (tests). */
  readonly random?: () => number;
  readonly now?: () => number;
}

interface Settings {
  readonly userAgent: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;
  readonly retries: number;
  readonly maxRetryAfterMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly now: () => number;
}

type Attempt = HttpResult | { readonly status: "retry"; readonly code: number; readonly retryAfter?: string };

const RETRYABLE = new Set([429, 503]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  ECONNRESET: "connection reset",
  EAI_AGAIN: "DNS lookup failed",
  UND_ERR_SOCKET: "connection closed",
  CERT_HAS_EXPIRED: "TLS certificate expired",
};

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createHttpFetcher(options: HttpFetcherOptions = {}): HttpFetcher {
  const settings: Settings = {
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    timeoutMs: options.timeoutMs ?? 20_000,
    maxBytes: options.maxBytes ?? 5 * 1024 * 1024,
    maxRedirects: options.maxRedirects ?? 5,
    retries: options.retries ?? 2,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
  return { get: (url, request) => getWithRetries(url, request ?? {}, settings).catch((error: unknown) => { throw redactError(error); }) };
}

/** The same error, its message without the URL's credentials and query values (it is logged and stored in the source's health). */
function redactError(error: unknown): unknown {
  if (!(error instanceof PressroomError)) return error;
  const message = redactUrls(error.message);
  return message === error.message ? error : new PressroomError(error.code, message, { cause: error.cause });
}

async function getWithRetries(url: string, request: HttpRequestOptions, s: Settings): Promise<HttpResult> {
  for (let attempt = 0; ; attempt += 1) {
    const outcome = await attemptGet(url, request, s);
    if (outcome.status !== "retry") return outcome;
    if (attempt >= s.retries) {
      throw new PressroomError("FETCH_HTTP", `${url}: HTTP ${outcome.code} (still ${outcome.code} after ${attempt + 1} attempts; try again later)`);
    }
    const asked = parseRetryAfter(outcome.retryAfter, s.now());
    if (asked !== undefined && asked > s.maxRetryAfterMs) {
      throw new PressroomError("FETCH_HTTP", `${url}: HTTP ${outcome.code} (server asks to retry after ${Math.ceil(asked / 1000)} s; will try on a later run)`);
    }
    await s.sleep(asked ?? backoffDelay(attempt, s.maxRetryAfterMs, s.random));
  }
}

function requestHeaders(request: HttpRequestOptions, s: Settings): Record<string, string> {
  const headers: Record<string, string> = {
    "user-agent": s.userAgent,
    accept: request.accept ?? "*/*",
    "accept-encoding": "gzip, deflate",
  };
  if (request.validators?.etag) headers["if-none-match"] = request.validators.etag;
  if (request.validators?.lastModified) headers["if-modified-since"] = request.validators.lastModified;
  return headers;
}

function checkUrl(url: string, original: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PressroomError("FETCH_FAILED", `${original}: "${url}" is not a valid URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new PressroomError("FETCH_FAILED", `${original}: only http and https URLs can be fetched (got ${parsed.protocol})`);
  }
  return parsed;
}

/** One attempt: follows redirects by hand, within one timeout. */
async function attemptGet(url: string, request: HttpRequestOptions, s: Settings): Promise<Attempt> {
  // Refuse a bad URL before any timer exists: nothing may keep the process alive after the error.
  let current = checkUrl(url, url);
  const timeoutMs = request.timeoutMs ?? s.timeoutMs;
  const headers = requestHeaders(request, s);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    for (let hop = 0; ; hop += 1) {
      const response = await fetch(current, { headers, redirect: "manual", signal: controller.signal });
      const location = response.headers.get("location");
      if (REDIRECTS.has(response.status) && location) {
        await response.body?.cancel().catch(() => {});
        if (hop >= s.maxRedirects) {
          throw new PressroomError("FETCH_FAILED", `${url}: too many redirects (more than ${s.maxRedirects})`);
        }
        current = checkUrl(new URL(location, current).toString(), url);
        continue;
      }
      return await settle(response, current.toString(), url, s, () => controller.abort());
    }
  } catch (error) {
    if (error instanceof PressroomError) throw error;
    if (timedOut) {
      throw new PressroomError("FETCH_TIMEOUT", `${url}: no complete response within ${timeoutMs} ms`, { cause: error });
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = (cause?.code && NETWORK_REASONS[cause.code]) ?? cause?.code ?? cause?.message ?? String(error);
    throw new PressroomError("FETCH_FAILED", `${url}: ${reason}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

async function settle(response: Response, finalUrl: string, url: string, s: Settings, abort: () => void): Promise<Attempt> {
  if (response.status === 304) {
    await response.body?.cancel().catch(() => {});
    return { status: "not-modified", url: finalUrl };
  }
  if (RETRYABLE.has(response.status)) {
    await response.body?.cancel().catch(() => {});
    return { status: "retry", code: response.status, retryAfter: response.headers.get("retry-after") ?? undefined };
  }
  if (response.status < 200 || response.status > 299) {
    await response.body?.cancel().catch(() => {});
    throw new PressroomError("FETCH_HTTP", `${url}: HTTP ${response.status}`);
  }
  const contentType = response.headers.get("content-type") ?? "";
  const bytes = await readLimitedBody(response, url, s.maxBytes, abort);
  const validators: HttpValidators = {
    ...(response.headers.get("etag") ? { etag: response.headers.get("etag")! } : {}),
    ...(response.headers.get("last-modified") ? { lastModified: response.headers.get("last-modified")! } : {}),
  };
  return { status: "ok", url: finalUrl, body: decodeBody(bytes, contentType), contentType, validators };
}
