import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256OfText } from "../../src/store/text-sha.js";

/* Feed ETags hash a document a piece at a time (16,384 UTF-16 units): the hash must be that of the whole text's UTF-8 bytes, whatever falls on a piece's edge. */
describe("sha256OfText", () => {
  const piece = 1 << 14;
  const texts: [string, string][] = [
    ["empty", ""],
    ["short", "Facial recognition vans — £1m"],
    ["a pair on the first edge", `${"a".repeat(piece - 1)}😀${"b".repeat(10)}`],
    ["pairs over many pieces", "x😀".repeat(piece * 3)],
    ["three-byte characters over many pieces", "€".repeat(piece * 2 + 7)],
    ["a lone high surrogate on an edge", `${"c".repeat(piece - 1)}\uD83D${"d".repeat(5)}`],
    ["a lone low surrogate after an edge", `${"c".repeat(piece)}\uDE00`],
  ];
  for (const [name, text] of texts) {
    it(`hashes ${name} as its UTF-8 bytes`, () => {
      expect(sha256OfText(text)).toBe(createHash("sha256").update(Buffer.from(text, "utf8")).digest("hex"));
    });
  }

  it("hashes a text in pieces as the pieces joined, a surrogate pair split between two pieces included", () => {
    const whole = `${"€".repeat(piece)}😀${"x😀".repeat(piece)}`;
    const cuts = [0, 5, piece, piece + 1, piece * 2 + 3, whole.length];
    const pieces = cuts.slice(1).map((end, i) => whole.slice(cuts[i], end));
    expect(pieces.join("")).toBe(whole);
    expect(sha256OfText(pieces)).toBe(createHash("sha256").update(Buffer.from(whole, "utf8")).digest("hex"));
  });
});
