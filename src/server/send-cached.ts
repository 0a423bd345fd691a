import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";

export interface CachedBody {
  readonly body: Buffer;
  readonly contentType: string;
  readonly lastModified?: Date;
  readonly cacheControl?: string;
}

/** Smallest body worth compressing. */
export const GZIP_MIN_BYTES = 512;

/** Strong entity tag of a representation: a hash of its bytes. */
export function etagOf(body: Buffer, suffix = ""): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}${suffix}"`;
}

/** True when Accept-Encoding allows gzip (q > 0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.split(",")) {
    const [coding = "", ...params] = part.trim().toLowerCase().split(";");
    if (coding.trim() !== "gzip" && coding.trim() !== "*") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * Whether an If-None-Match header names `etag`, the tag of the variant the request is answered with
 * (a client holding the gzip bytes does not hold the plain ones). Weak comparison: W/ is ignored.
 */
export function matchesEtag(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

function notModifiedSince(header: string, lastModified: Date): boolean {
  const since = Date.parse(header);
  if (Number.isNaN(since)) return false;
  return Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

/**
 * Answers a GET/HEAD with caching validators: strong ETag (bytes hash; `-gz` for the gzip variant),
 * Last-Modified, 304 on If-None-Match (which wins) or If-Modified-Since, and gzip when accepted.
 */
export function sendCached(req: IncomingMessage, res: ServerResponse, content: CachedBody): void {
  const plainTag = etagOf(content.body);
  const gzipTag = plainTag.replace(/"$/, '-gz"');
  const gzip = content.body.length >= GZIP_MIN_BYTES && acceptsGzip(req.headers["accept-encoding"]);
  const headers: Record<string, string> = {
    "Content-Type": content.contentType,
    "Cache-Control": content.cacheControl ?? "public, max-age=300",
    ETag: gzip ? gzipTag : plainTag,
    Vary: "Accept-Encoding",
    "X-Content-Type-Options": "nosniff",
  };
  if (content.lastModified) headers["Last-Modified"] = content.lastModified.toUTCString();

  const inm = req.headers["if-none-match"];
  const ims = req.headers["if-modified-since"];
  const fresh = inm !== undefined
    ? matchesEtag(inm, gzip ? gzipTag : plainTag)
    : ims !== undefined && content.lastModified !== undefined && notModifiedSince(ims, content.lastModified);
  if (fresh) {
    const { "Content-Type": _type, ...rest } = headers;
    res.writeHead(304, rest);
    res.end();
    return;
  }
  const body = gzip ? gzipSync(content.body) : content.body;
  if (gzip) headers["Content-Encoding"] = "gzip";
  headers["Content-Length"] = String(body.length);
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}
