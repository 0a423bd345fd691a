/** Reading a response body with a streamed size limit, and decoding it to text. */
import { PressroomError } from "../core/errors.js";

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

/** Text of a body: charset from Content-Type, else an XML declaration, else UTF-8. */
export function decodeBody(bytes: Uint8Array, contentType: string): string {
  const fromHeader = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType)?.[1];
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 200));
  const fromXml = /^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1];
  for (const label of [fromHeader, fromXml, "utf-8"]) {
    if (!label) continue;
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // unknown label: try the next one
    }
  }
  return new TextDecoder().decode(bytes);
}
