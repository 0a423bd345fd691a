import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Block } from "../../src/core/release.js";
import { type IndexedRelease, packReleases, unpackReleases } from "../../src/store/lowdb/packed-releases.js";

/** Text as releases hold it: ASCII, accents, curly quotes, emoji (surrogate pairs), CJK, empty. */
const text = fc.string({ unit: fc.oneof(fc.constantFrom("a", "Z", " ", "9", "é", "\u2019", "\u00a0", "😀", "警", "\u0000"), fc.constantFrom("x")), maxLength: 40 });
const block: fc.Arbitrary<Block> = fc.oneof(
  text.map((t) => ({ type: "paragraph" as const, text: t })),
  fc.array(text, { maxLength: 4 }).map((items) => ({ type: "list" as const, items })),
);
const release: fc.Arbitrary<IndexedRelease> = fc.record({
  id: fc.string({ maxLength: 12 }),
  date: fc.constant("2023-10-30"),
  updatedAt: fc.constant("2023-10-30T10:00:00.000Z"),
  kind: fc.constantFrom("press release", "news story", "speech"),
  title: text,
  summary: text,
  body: fc.array(block, { maxLength: 6 }),
});

/** Through a structured clone with the buffers transferred, as the worker receives them. */
const posted = (releases: readonly IndexedRelease[]) => {
  const packed = packReleases(releases);
  if (!packed) return undefined;
  return unpackReleases(structuredClone(packed.packed, { transfer: packed.transfer }));
};

describe("releases packed for the search worker", () => {
  it("come back with the same entries, kinds, titles, summaries and blocks, whatever their characters", () => {
    fc.assert(
      fc.property(fc.array(release, { maxLength: 20 }), (releases) => {
        expect(posted(releases)).toEqual(releases);
      }),
      { numRuns: 300 },
    );
  });

  it("are not packed when a text holds a lone surrogate (UTF-8 cannot carry it): the caller posts the objects", () => {
    const base: IndexedRelease = { id: "a", date: "2023-10-30", updatedAt: "2023-10-30T10:00:00.000Z", kind: "press release", title: "Title", summary: "Summary", body: [] };
    expect(posted([base])).toEqual([base]);
    expect(packReleases([base, { ...base, body: [{ type: "list", items: ["ok", "broken \ud83d here"] }] }])).toBeUndefined();
    expect(packReleases([{ ...base, title: "ends \udc00" }])).toBeUndefined();
  });
});
