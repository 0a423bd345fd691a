import { createHash } from "node:crypto";

/**
 * UTF-16 code units hashed at a time. Node encodes a string to UTF-8 in a buffer of its own before
 * hashing it: for a feed of a megabyte that buffer came from fresh pages every time (an import's
 * feeds spent 1.1 s of its last 5 s hashing 148 MB). A piece's buffer is small and reused.
 */
const PIECE = 1 << 14;

/** The SHA-256 (hex) of a text's UTF-8 bytes, hashed a piece at a time (a surrogate pair is never split, so the bytes are those of the whole text). */
export function sha256OfText(text: string): string {
  const hash = createHash("sha256");
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + PIECE);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    hash.update(at === 0 && end === text.length ? text : text.slice(at, end), "utf8");
    at = end;
  }
  return hash.digest("hex");
}
