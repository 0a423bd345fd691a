/**
 * Atom text constructs and RSS text elements → plain text (titles) or HTML (summaries, content).
 * Atom 1.0 says what it holds with `type` (`text`, `html`, `xhtml`), Atom 0.3 with a MIME `type`
 * and a `mode` (`xml`, `escaped`, `base64`); RSS never says, and its titles and descriptions are
 * HTML in practice (WordPress writes `&#038;`, `&amp;#8217;`). Text is escaped, never parsed;
 * HTML is read by an HTML parser, which decodes its entities (the XML layer decoded the XML ones).
 */
import { cleanText, escapeHtml } from "../core/text.js";
import { NS, childElements, textOf } from "./feed-xml.js";
import type { XmlElement } from "./feed-xml.js";
import { htmlToText } from "./html-text.js";

export type TextKind = "text" | "html" | "xhtml";

/** What an element holds, from its `type` (and Atom 0.3 `mode`); `fallback` when it does not say. */
export function kindOfText(element: XmlElement, fallback: TextKind): TextKind {
  const type = (element.attrs.type ?? "").trim().toLowerCase();
  const mode = (element.attrs.mode ?? "").trim().toLowerCase();
  if (type === "xhtml" || type === "application/xhtml+xml") return mode === "escaped" ? "html" : "xhtml";
  if (type === "html" || type === "text/html") return mode === "xml" ? "xhtml" : "html";
  if (type === "text" || type === "text/plain") return "text";
  if (type !== "") return "text";
  return fallback;
}

const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);

/** Inline XHTML written back out as HTML (text re-escaped, namespace prefixes dropped). */
export function serializeXhtml(nodes: readonly (XmlElement | string)[]): string {
  return nodes
    .map((node) => {
      if (typeof node === "string") return escapeHtml(node);
      const attrs = Object.entries(node.attrs)
        .filter(([key]) => key !== "xmlns" && !key.startsWith("xmlns:") && !key.startsWith("xml:"))
        .map(([key, value]) => ` ${key.slice(key.indexOf(":") + 1)}="${escapeHtml(value)}"`)
        .join("");
      if (VOID.has(node.local) && node.children.length === 0) return `<${node.local}${attrs}>`;
      return `<${node.local}${attrs}>${serializeXhtml(node.children)}</${node.local}>`;
    })
    .join("");
}

/** The XHTML inside an Atom `type="xhtml"` element: the children of its wrapping `div`. */
function xhtmlOf(element: XmlElement): string {
  const elements = childElements(element);
  const onlyDiv = elements.length === 1 && elements[0]!.local === "div" && [NS.xhtml, ""].includes(elements[0]!.ns)
    && element.children.every((c) => typeof c !== "string" || c.trim() === "");
  return serializeXhtml(onlyDiv ? elements[0]!.children : element.children);
}

function rawOf(element: XmlElement): string {
  const text = textOf(element);
  if ((element.attrs.mode ?? "").trim().toLowerCase() !== "base64") return text;
  return Buffer.from(text.replace(/\s+/g, ""), "base64").toString("utf8");
}

/**
 * The HTML an `html` element holds: its text, or, when a feed put raw markup in it without
 * escaping it (`<description><p>Text</p></description>`), that markup written back out.
 */
function htmlOf(element: XmlElement): string {
  return element.children.some((c) => typeof c !== "string") ? serializeXhtml(element.children) : rawOf(element);
}

/** Plain text (the HTML ones' entities decoded once, tags dropped, whitespace collapsed). */
export function readText(element: XmlElement | undefined, fallback: TextKind): string {
  if (!element) return "";
  const kind = kindOfText(element, fallback);
  if (kind === "xhtml") return htmlToText(xhtmlOf(element));
  return kind === "html" ? htmlToText(htmlOf(element)) : cleanText(rawOf(element));
}

/** HTML: text escaped (blank lines become paragraphs), HTML as given, XHTML serialised. */
export function readHtml(element: XmlElement | undefined, fallback: TextKind): string | undefined {
  if (!element) return undefined;
  const kind = kindOfText(element, fallback);
  const html = kind === "xhtml"
    ? xhtmlOf(element)
    : kind === "html"
      ? htmlOf(element)
      : rawOf(element).split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p !== "").map((p) => `<p>${escapeHtml(p)}</p>`).join("");
  return html.trim() === "" ? undefined : html;
}
