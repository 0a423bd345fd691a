/**
 * Feed text → a light element tree, read by htmlparser2's tokenizer in XML mode. It is tolerant
 * where a conforming XML parser stops: a raw `&`, an undeclared entity, a mismatched or missing
 * close tag, text after the root, a document cut off mid-way. Nothing rewrites the text first:
 * comments, CDATA and processing instructions are tokens like any other, so a comment mentioning
 * `<published>` or CDATA holding `<updated>` is never taken for markup. Namespaces are resolved
 * (so `rss:item` under `xmlns:rss="http://purl.org/rss/1.0/"` is an RSS 1.0 item), `xml:base` is
 * resolved down the tree, and each element records whether the end of the document closed it.
 */
import { Parser } from "htmlparser2";
import { decodeFeedEntities, readEntityDeclarations } from "./feed-entities.js";

export const NS = {
  atom: "http://www.w3.org/2005/Atom",
  atom03: "http://purl.org/atom/ns#",
  rss10: "http://purl.org/rss/1.0/",
  rss090: "http://my.netscape.com/rdf/simple/0.9/",
  rss090channel: "http://channel.netscape.com/rdf/simple/0.9/",
  userland: "http://backend.userland.com/rss2",
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  dc: "http://purl.org/dc/elements/1.1/",
  dc10: "http://purl.org/dc/elements/1.0/",
  dcterms: "http://purl.org/dc/terms/",
  content: "http://purl.org/rss/1.0/modules/content/",
  xhtml: "http://www.w3.org/1999/xhtml",
  xml: "http://www.w3.org/XML/1998/namespace",
} as const;

/** Prefixes feeds use without declaring them, bound to the namespaces they always mean. */
const CUSTOMARY: Readonly<Record<string, string>> = {
  xml: NS.xml, dc: NS.dc, dcterms: NS.dcterms, content: NS.content, atom: NS.atom, rdf: NS.rdf, xhtml: NS.xhtml,
};

export interface XmlElement {
  /** The name as written (`dc:date`). */
  readonly name: string;
  /** The local name (`date`). */
  readonly local: string;
  /** Namespace URI, `""` for none, `undeclared:<prefix>` for an unknown prefix. */
  readonly ns: string;
  /** Attribute values, entities decoded, keyed by the name as written. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: (XmlElement | string)[];
  /** The `xml:base` in scope, resolved (absolute when the document URL was). */
  readonly base: string;
  /** True when the end of the document, not a close tag, closed this element. */
  cutOff: boolean;
}

export interface XmlDocument {
  /** Top-level elements (a well-formed document has one). */
  readonly roots: readonly XmlElement[];
  /** True when the document ended inside an element. */
  readonly cutOff: boolean;
  /** The innermost element the end of the document cut off, if any. */
  readonly cutOffAt?: string;
  /** `depth` when reading stopped at MAX_DEPTH rather than at the end of the text. */
  readonly stoppedBy?: "end" | "depth";
}

function resolveUrl(value: string, base: string): string {
  try {
    return new URL(value.trim(), base || undefined).href;
  } catch {
    return value.trim();
  }
}

/**
 * Feeds nest a few levels (inline XHTML a few more). Past this depth a document is hostile or
 * broken, and the tokenizer's cost grows with the square of the depth: reading stops there.
 */
export const MAX_DEPTH = 256;

class TooDeep extends Error {}

/** Parses feed text into elements (see the module comment); `documentUrl` is the first base. */
export function parseXmlTree(text: string, documentUrl: string): XmlDocument {
  const roots: XmlElement[] = [];
  const stack: { element: XmlElement; scope: Readonly<Record<string, string>> }[] = [];
  const entities = new Map<string, string>();
  let cdata = false;
  let ending = false;
  let cutOff = false;
  let cutOffAt: string | undefined;
  let stoppedBy: XmlDocument["stoppedBy"];

  const parser = new Parser(
    {
      onprocessinginstruction(_name, data) {
        if (data.startsWith("!")) readEntityDeclarations(data, entities);
      },
      onopentag(name, rawAttrs) {
        if (stack.length >= MAX_DEPTH) throw new TooDeep();
        const parent = stack[stack.length - 1];
        const scope: Record<string, string> = { ...(parent?.scope ?? CUSTOMARY) };
        const attrs: Record<string, string> = {};
        for (const [key, value] of Object.entries(rawAttrs)) {
          const decoded = decodeFeedEntities(value, entities);
          attrs[key] = decoded;
          if (key === "xmlns") scope[""] = decoded.trim();
          else if (key.startsWith("xmlns:")) scope[key.slice(6)] = decoded.trim();
        }
        const colon = name.indexOf(":");
        const prefix = colon > 0 ? name.slice(0, colon) : "";
        const ns = scope[prefix] ?? (prefix ? `undeclared:${prefix}` : "");
        const parentBase = parent?.element.base ?? documentUrl;
        const base = attrs["xml:base"] !== undefined ? resolveUrl(attrs["xml:base"], parentBase) : parentBase;
        const element: XmlElement = { name, local: colon > 0 ? name.slice(colon + 1) : name, ns, attrs, children: [], base, cutOff: false };
        if (parent) parent.element.children.push(element);
        else roots.push(element);
        stack.push({ element, scope });
      },
      onclosetag() {
        const closed = stack.pop();
        if (closed && ending) {
          closed.element.cutOff = true;
          cutOff = true;
          cutOffAt ??= closed.element.name;
          stoppedBy = "end";
        }
      },
      ontext(raw) {
        const parent = stack[stack.length - 1];
        if (!parent) return;
        parent.element.children.push(cdata ? raw : decodeFeedEntities(raw, entities));
      },
      oncdatastart() {
        cdata = true;
      },
      oncdataend() {
        cdata = false;
      },
    },
    { xmlMode: true, decodeEntities: false },
  );
  try {
    parser.write(text);
    ending = true;
    parser.end();
  } catch (error) {
    if (!(error instanceof TooDeep)) throw error;
    // Read no further: what is still open is cut off, as at the end of a truncated document.
    cutOffAt = stack[stack.length - 1]?.element.name;
    for (const open of stack) open.element.cutOff = true;
    cutOff = true;
    stoppedBy = "depth";
  }
  return { roots, cutOff, ...(cutOffAt ? { cutOffAt } : {}), ...(stoppedBy ? { stoppedBy } : {}) };
}

/** Element children of an element. */
export function childElements(element: XmlElement): XmlElement[] {
  return element.children.filter((c): c is XmlElement => typeof c !== "string");
}

/** All the text inside an element, tags dropped. */
export function textOf(element: XmlElement): string {
  return element.children.map((c) => (typeof c === "string" ? c : textOf(c))).join("");
}

/** Depth-first search for elements matching `test`, not descending into a match. */
export function findElements(elements: readonly XmlElement[], test: (e: XmlElement) => boolean): XmlElement[] {
  const found: XmlElement[] = [];
  const visit = (e: XmlElement): void => {
    if (test(e)) found.push(e);
    else for (const c of childElements(e)) visit(c);
  };
  for (const e of elements) visit(e);
  return found;
}
