import { describe, expect, it } from "vitest";
import type { Block } from "../../src/core/release.js";
import { renderHtmlBody } from "../../src/feeds/index.js";

describe("renderHtmlBody", () => {
  it.each<[string, Block[], string]>([
    ["empty body", [], ""],
    ["one paragraph", [{ type: "paragraph", text: "Hello." }], "<p>Hello.</p>"],
    [
      "paragraphs and a list, in order",
      [
        { type: "paragraph", text: "Intro:" },
        { type: "list", items: ["one", "two"] },
        { type: "paragraph", text: "End." },
      ],
      "<p>Intro:</p>\n<ul><li>one</li><li>two</li></ul>\n<p>End.</p>",
    ],
    ["escapes markup and ampersands", [{ type: "paragraph", text: `<b>"x" & 'y'</b>` }], "<p>&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;</p>"],
    ["never emits a CDATA terminator", [{ type: "paragraph", text: "a ]]> b" }], "<p>a ]]&gt; b</p>"],
    ["strips control characters", [{ type: "list", items: ["a\u0001b\u000Bc"] }], "<ul><li>abc</li></ul>"],
    ["drops empty paragraphs, items and lists", [{ type: "paragraph", text: "  " }, { type: "list", items: ["", " "] }], ""],
    ["keeps emoji", [{ type: "paragraph", text: "🚓 🇬🇧" }], "<p>🚓 🇬🇧</p>"],
  ])("%s", (_name, body, html) => {
    expect(renderHtmlBody(body)).toBe(html);
  });
});
