/**
 * A text whole, or as pieces meant one after another. A large document kept in pieces is never one
 * string: V8 gives a string of 128 KiB or more fresh pages of its own, and on a virtual machine a
 * fresh page costs about 10 µs to touch (a month's archive feed, or month file, is a megabyte or
 * two). Writers and hashes take the pieces as they are; only a reader that needs one string joins them.
 */
export type TextPieces = string | readonly string[];

/** UTF-16 length of the text. */
export function piecesLength(text: TextPieces): number {
  if (typeof text === "string") return text.length;
  let n = 0;
  for (const piece of text) n += piece.length;
  return n;
}

/** The text as one string. */
export function joinPieces(text: TextPieces): string {
  return typeof text === "string" ? text : text.join("");
}

/**
 * The text again, in pieces of at most `size` UTF-16 units of which none ends between the two
 * halves of a surrogate pair, even where the given pieces do: each piece then encodes to its own
 * part of the whole text's UTF-8 (a half alone would encode as U+FFFD). For writing or hashing a
 * large text a piece at a time, through small buffers.
 */
export function* encodablePieces(text: TextPieces | Iterable<string>, size: number): Generator<string> {
  let carry = "";
  for (const given of typeof text === "string" ? [text] : text) {
    const whole = carry === "" ? given : carry + given;
    carry = "";
    for (let at = 0; at < whole.length; ) {
      let end = Math.min(whole.length, at + size);
      const last = whole.charCodeAt(end - 1);
      if (last >= 0xd800 && last <= 0xdbff && end - 1 > at) end--;
      else if (last >= 0xd800 && last <= 0xdbff && end === whole.length) {
        // A piece of one high surrogate at the end of a given piece: it may pair with the next one.
        carry = whole.slice(at, end);
        break;
      }
      yield at === 0 && end === whole.length ? whole : whole.slice(at, end);
      at = end;
    }
  }
  if (carry !== "") yield carry;
}
