import { describe, expect, it } from "vitest";
import { compileQuery, formatHighlighted, type Snippet } from "../../src/match/index.js";
import { makeRelease } from "./make-release.js";

const release = makeRelease({
  title: "Police urged to double AI-enabled facial recognition searches",
  summary: "Policing Minister Chris Philp writes to police chiefs. He sets out the target.",
  body: [
    "Nothing is more important than keeping children safe. Those who would hurt children are relentless. So it’s vital that we stay ahead.",
    "Mr. Smith met the Policing Minister at a café in Dover. They talked about fraud.",
    ["first item on asylum hotels", "second item on “facial recognition” technology"],
    `${"Word ".repeat(80)}the shoplifting plan is here ${"filler ".repeat(80)}end.`,
  ],
  kind: "news-story",
});

function marked(snippet: Snippet | undefined): string | undefined {
  return snippet && formatHighlighted(snippet, (s) => `[${s}]`);
}

describe("snippets", () => {
  it.each([
    ["relentless", "Those who would hurt children are [relentless]."],
    ["relentless children", "Nothing is more important than keeping [children] safe."],
    ["facial recognition", "Police urged to double AI-enabled [facial] [recognition] searches"],
    ['"facial recognition"', "Police urged to double AI-enabled [facial recognition] searches"],
    ['body:"facial recognition"', "second item on “[facial recognition]” technology"],
    ["search", "Police urged to double AI-enabled facial recognition [searches]"],
    ["summary:(chiefs police)", "[Policing] Minister Chris Philp writes to [police] [chiefs]."],
    ["body:cafe", "Mr. Smith met the Policing Minister at a [café] in Dover."],
    ["body:(policing minister)", "Mr. Smith met the [Policing] [Minister] at a café in Dover."],
    ["body:minister", "Mr. Smith met the Policing [Minister] at a café in Dover."],
    ["body:asylum OR NOT fraud", "first item on [asylum] hotels"],
    ["fraud -body:asylum", undefined],
    ["kind:news-story", "Policing Minister Chris Philp writes to police chiefs."],
    ["title:target", undefined],
    ["target", "He sets out the [target]."],
  ])("%s → %s", (query, expected) => {
    expect(marked(compileQuery(query).snippet(release))).toBe(expected);
  });

  it("windows a long sentence around the match, with ellipses and shifted highlights", () => {
    const snippet = compileQuery("shoplifting").snippet(release);
    expect(snippet).toBeDefined();
    const text = snippet?.text ?? "";
    expect(text.startsWith("…")).toBe(true);
    expect(text.endsWith("…")).toBe(true);
    expect(text.length).toBeLessThanOrEqual(302);
    expect(snippet?.highlights).toHaveLength(1);
    const [start, end] = snippet?.highlights[0] ?? [0, 0];
    expect(text.slice(start, end)).toBe("shoplifting");
  });

  it("highlights point at the words in the snippet text", () => {
    const snippet = compileQuery("children OR vital").snippet(release);
    expect(snippet?.text).toBe("Nothing is more important than keeping children safe.");
    expect(snippet?.highlights).toEqual([[39, 47]]);
  });
});

describe("formatHighlighted", () => {
  it("escapes the plain parts and marks the highlights", () => {
    const snippet = { text: "a <b> & c", highlights: [[0, 1], [8, 9]] as const };
    const html = formatHighlighted(
      snippet,
      (s) => `<mark>${s}</mark>`,
      (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"),
    );
    expect(html).toBe("<mark>a</mark> &lt;b&gt; &amp; <mark>c</mark>");
  });

  it("renders ANSI bold for terminals", () => {
    const text = formatHighlighted({ text: "AI images", highlights: [[0, 2]] }, (s) => `\x1b[1m${s}\x1b[22m`);
    expect(text).toBe("\x1b[1mAI\x1b[22m images");
  });
});
