import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contentHash } from "../../src/core/ids.js";
import type { Block } from "../../src/core/release.js";
import { canonicalText } from "../../src/core/text.js";

/** The definition stored hashes were made with: one update per part. Any difference would make every stored release an edit. */
function partwiseHash(parts: { title: string; summary: string; body: readonly Block[] }): string {
  const h = createHash("sha256");
  h.update(canonicalText(parts.title));
  h.update("\u0000");
  h.update(canonicalText(parts.summary));
  for (const block of parts.body) {
    h.update("\u0001");
    if (block.type === "paragraph") h.update(canonicalText(block.text));
    else for (const item of block.items) h.update(`\u0002${canonicalText(item)}`);
  }
  return h.digest("hex").slice(0, 32);
}

// Lone surrogates at part ends are the case where joining could differ from hashing part by part.
const text = fc.oneof(fc.string({ unit: "binary", maxLength: 20 }), fc.constantFrom("\ud83d", "\ude00", "a\ud83d", "\ude00b", "café ’q’ – x"));
const block: fc.Arbitrary<Block> = fc.oneof(
  text.map((t) => ({ type: "paragraph" as const, text: t })),
  fc.array(text, { maxLength: 3 }).map((items) => ({ type: "list" as const, items })),
);

describe("contentHash", () => {
  it("is the hash stored releases were made with", () => {
    fc.assert(
      fc.property(text, text, fc.array(block, { maxLength: 4 }), (title, summary, body) => {
        expect(contentHash({ title, summary, body })).toBe(partwiseHash({ title, summary, body }));
      }),
      { numRuns: 3000, seed: 20261202 },
    );
  });
});
