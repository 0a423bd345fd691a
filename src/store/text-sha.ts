import { createHash } from "node:crypto";
import { encodablePieces, type TextPieces } from "../core/text-pieces.js";

/**
 * UTF-16 code units hashed at a time. Node encodes a string to UTF-8 in a buffer of its own before
 * hashing it: for a feed of a megabyte that buffer came from fresh pages every time. A piece's
 * buffer is small and reused.
 */
const PIECE = 1 << 14;

/** The SHA-256 (hex) of a text's UTF-8 bytes (whole, or in pieces: of the pieces joined), hashed a piece at a time. */
export function sha256OfText(text: TextPieces): string {
  const hash = createHash("sha256");
  for (const piece of encodablePieces(text, PIECE)) hash.update(piece, "utf8");
  return hash.digest("hex");
}
