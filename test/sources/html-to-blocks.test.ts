import { describe, expect, it } from "vitest";
import { decodeEntities, htmlToText } from "../../src/sources/html-text.js";
import { htmlToBlocks } from "../../src/sources/html-to-blocks.js";
import { normaliseKind, splitGovukPrefix } from "../../src/sources/kinds.js";

describe("htmlToBlocks", () => {
  it("keeps paragraphs and lists in order, headings as paragraphs, drops scripts, styles and iframes", () => {
    const html = `<h2>Background</h2>
      <p>The Home Secretary&nbsp;said:<br>today.</p>
      <script>alert("x")</script><style>p{}</style>
      <ul><li>first <a href="/x">link</a></li><li>second<ul><li>nested one</li><li>nested two</li></ul></li></ul>
      <iframe src="https://evil.example/">fallback</iframe>
      <div class="govspeak"><p>Inside a div</p>loose <em>inline</em> text</div>
      <ol><li>numbered</li></ol>`;
    expect(htmlToBlocks(html)).toEqual([
      { type: "paragraph", text: "Background" },
      { type: "paragraph", text: "The Home Secretary said: today." },
      { type: "list", items: ["first link", "second", "nested one", "nested two"] },
      { type: "paragraph", text: "Inside a div" },
      { type: "paragraph", text: "loose inline text" },
      { type: "list", items: ["numbered"] },
    ]);
  });

  it("returns plain text only, so markup in text cannot leak", () => {
    const blocks = htmlToBlocks(`<p onclick="x()">a &lt;b&gt; tag <img src=x onerror=alert(1)></p>`);
    expect(blocks).toEqual([{ type: "paragraph", text: "a <b> tag" }]);
  });

  it("returns no blocks for empty or whitespace-only HTML", () => {
    expect(htmlToBlocks("  <p> </p> ")).toEqual([]);
  });
});

describe("text helpers", () => {
  it.each([
    ["Home Secretary&#8217;s speech", "Home Secretary\u2019s speech"],
    ["Police &amp; Crime", "Police & Crime"],
    ["&#x2018;quoted&#x2019;", "\u2018quoted\u2019"],
    ["&unknown; stays", "&unknown; stays"],
    ["&Eacute;cole &eacute;t&eacute; &AElig;sop", "\u00C9cole \u00E9t\u00E9 \u00C6sop"],
    ["it&#146;s &#150; &#128;5", "it\u2019s \u2013 \u20AC5"],
    ["AT&T &copy 2024 &amp;amp;", "AT&T &copy 2024 &amp;"],
  ])("decodeEntities(%j)", (input, expected) => {
    expect(decodeEntities(input)).toBe(expected);
  });

  it("htmlToText flattens a fragment", () => {
    expect(htmlToText("<p>One &amp; <b>two</b></p><p>three</p>")).toBe("One & two three");
  });
});

describe("kinds", () => {
  it.each([
    ["Press release", "press-release"],
    ["news_story", "news-story"],
    ["oral_statement", "oral-statement"],
    ["Oral statement to Parliament", "oral-statement"],
    ["Written statement to Parliament", "written-statement"],
    ["SPEECH", "speech"],
    ["Transparency data", "transparency-data"],
  ])("normaliseKind(%j) = %j", (label, slug) => {
    expect(normaliseKind(label)).toBe(slug);
  });

  it.each([
    ["Press release: New powers for police", { kind: "press-release", title: "New powers for police" }],
    ["Speech: Home Secretary at conference", { kind: "speech", title: "Home Secretary at conference" }],
    ["Windrush: lessons learned", { title: "Windrush: lessons learned" }],
  ])("splitGovukPrefix(%j)", (title, expected) => {
    expect(splitGovukPrefix(title)).toEqual(expected);
  });
});
