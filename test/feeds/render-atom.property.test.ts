import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Block } from "../../src/core/release.js";
import { stripXmlInvalid } from "../../src/core/text.js";
import { feedIdFor, renderAtomFeed, renderHtmlBody } from "../../src/feeds/index.js";
import { storedRelease } from "../fixtures/feeds/stored-releases.js";
import { htmlToText, parseAtom, validateAtom } from "../helpers/validate-atom.js";

const meta = {
  id: feedIdFor("all"),
  title: "Property",
  selfUrl: "http://localhost:8080/feeds/all.atom",
  updated: new Date("2024-01-01T00:00:00Z"),
};

// Any code unit, lone surrogates included; XML turns CR into LF, so compare with CRs normalised.
const text = fc.string({ unit: "binary", maxLength: 40 });
const block: fc.Arbitrary<Block> = fc.oneof(
  text.map((t) => ({ type: "paragraph" as const, text: t })),
  fc.array(text, { maxLength: 3 }).map((items) => ({ type: "list" as const, items })),
);
const asXmlReads = (s: string) => stripXmlInvalid(s).replace(/\r\n?/g, "\n");

describe("renderAtomFeed on arbitrary text", () => {
  it("always writes a valid feed whose title and body survive a round trip", async () => {
    await fc.assert(
      fc.asyncProperty(text, text, text, fc.array(block, { maxLength: 3 }), async (title, summary, department, body) => {
        const release = storedRelease({
          id: "tag:pressroom.invalid,2024-01-01:home-office/property",
          kind: "press-release",
          department,
          date: "2024-01-01",
          versions: [{ at: "2024-01-01T10:00:00.000Z", title, summary, body }],
        });
        const xml = renderAtomFeed(meta, [release]);
        await validateAtom(xml);
        const [entry] = (await parseAtom(xml)).entries;
        expect(entry?.title).toBe(asXmlReads(title));
        const html = renderHtmlBody(body);
        if (html) expect(entry?.content).toBe(asXmlReads(html));
        if (stripXmlInvalid(summary).trim()) expect(htmlToText(entry?.summary ?? "")).toBe(asXmlReads(summary).trim());
      }),
      { numRuns: 25, seed: 20231030 },
    );
  });
});
