import type { IncomingMessage } from "node:http";
import { HttpError } from "./http-errors.js";

/** Largest POST body accepted (a subscribe form is well under 4 KB). */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Reads a POST body as a form: `application/x-www-form-urlencoded` is parsed; other types (RFC 8058
 * allows multipart) give an empty form, so callers fall back to the query string. 413 past the limit.
 */
export async function readForm(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<URLSearchParams> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) throw new HttpError(413, `request body too large (limit ${limit} bytes)`, { Connection: "close" });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `request body too large (limit ${limit} bytes)`, { Connection: "close" });
    chunks.push(chunk);
  }
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return new URLSearchParams();
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}
