/** Reading a response body with a streamed size limit, and decoding it to text. */
import { PressroomError } from "../core/errors.js";
import { decodeText } from "./feed-charset.js";

/** Reads the body, aborting as soon as it exceeds `maxBytes` (after decompression). */
export async function readLimitedBody(response: Response, url: string, maxBytes: number, abort: () => void): Promise<Uint8Array> {
  const tooLarge = (): PressroomError =>
    new PressroomError("FETCH_TOO_LARGE", `${url}: response is larger than the ${maxBytes}-byte limit`);
  const declared = Number(response.headers.get("content-length"));
  if (!response.headers.get("content-encoding") && Number.isFinite(declared) && declared > maxBytes) {
    abort();
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      abort();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** Text of a body: BOM, then the Content-Type charset, then an XML declaration, then sniffing (see `feed-charset.ts`). */
export function decodeBody(bytes: Uint8Array, contentType: string): string {
  return decodeText(bytes, contentType);
}
