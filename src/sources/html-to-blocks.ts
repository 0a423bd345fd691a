/** HTML body → plain-text blocks (paragraphs and flat lists). Text only, so the output is inherently sanitised. */
import { load } from "cheerio";
import type { Cheerio, CheerioAPI } from "cheerio";
import type { Block } from "../core/release.js";
import { cleanText } from "../core/text.js";

/** cheerio's node type (domhandler's AnyNode) without importing domhandler itself. */
type Nodes = ReturnType<ReturnType<CheerioAPI["root"]>["contents"]>;
type AnyNode = Nodes extends Cheerio<infer N> ? N : never;

const DROP = "script, style, iframe, noscript, template, object, embed, svg, form, button, nav, head";
const PARAGRAPHS = new Set(["p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "figcaption", "dt", "dd", "address", "caption"]);
const LISTS = new Set(["ul", "ol"]);
const CONTAINERS = new Set([
  "div", "section", "article", "main", "header", "footer", "aside", "figure", "table", "tbody", "thead",
  "tfoot", "tr", "td", "th", "dl", "body", "html", "details", "summary", "center",
]);

/** Text of a node with `<br>` and block ends as spaces; whitespace cleaned. */
function textOf(node: Cheerio<AnyNode>): string {
  const copy = node.clone();
  copy.find("br").replaceWith(" ");
  copy.find("p, li, div, h1, h2, h3, h4, h5, h6, td, th").append(" ");
  return cleanText(copy.text());
}

/** Items of a list; nested lists are flattened into the same list, in document order. */
function listItems($: CheerioAPI, list: Cheerio<AnyNode>): string[] {
  const items: string[] = [];
  list.children("li").each((_, li) => {
    const item = $(li);
    const own = item.clone();
    own.find("ul, ol").remove();
    const text = textOf(own);
    if (text) items.push(text);
    item.find("ul, ol").each((__, nested) => {
      if ($(nested).parent().closest("li")[0] === li) items.push(...listItems($, $(nested)));
    });
  });
  return items;
}

function walk($: CheerioAPI, nodes: Cheerio<AnyNode>, out: Block[], inline: string[]): void {
  const flush = (): void => {
    const text = cleanText(inline.join(""));
    inline.length = 0;
    if (text) out.push({ type: "paragraph", text });
  };
  nodes.each((_, node) => {
    if (node.type === "text") {
      inline.push(node.data);
      return;
    }
    if (node.type !== "tag" && node.type !== "script" && node.type !== "style") return;
    const el = $(node);
    const name = node.tagName.toLowerCase();
    if (LISTS.has(name)) {
      flush();
      const items = listItems($, el);
      if (items.length > 0) out.push({ type: "list", items });
    } else if (PARAGRAPHS.has(name)) {
      flush();
      const text = textOf(el);
      if (text) out.push({ type: "paragraph", text });
    } else if (name === "br") {
      inline.push(" ");
    } else if (name === "li") {
      flush();
      const text = textOf(el);
      if (text) out.push({ type: "list", items: [text] });
    } else if (CONTAINERS.has(name)) {
      flush();
      walk($, el.contents(), out, inline);
      flush();
    } else {
      walk($, el.contents(), out, inline);
    }
  });
}

/** Paragraphs and lists in document order; headings become paragraphs; scripts, styles and iframes dropped. */
export function htmlToBlocks(html: string): Block[] {
  const $ = load(html, null, false);
  $(DROP).remove();
  const out: Block[] = [];
  const inline: string[] = [];
  walk($, $.root().contents(), out, inline);
  const text = cleanText(inline.join(""));
  if (text) out.push({ type: "paragraph", text });
  return out;
}
