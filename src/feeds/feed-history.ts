import { formatLondonIso } from "../core/london.js";
import type { FeedMeta } from "./feed-meta.js";
import { linkElement, requireUrl } from "./feed-text.js";

/** RFC 5005 Feed Paging and Archiving namespace. */
export const FH_NAMESPACE = "http://purl.org/syndication/history/1.0";

const ROOT = '<feed xmlns="http://www.w3.org/2005/Atom">';
const LANG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;
const INDENT = "\n    ";

/** The feed-level elements `feed` 6 cannot write: RFC 5005 links and `fh:` markers. */
function historyElements(meta: FeedMeta): string[] {
  const out: string[] = [];
  if (meta.archive) {
    out.push(linkElement("current", requireUrl(meta.archive.current, "current feed URL")));
    if (meta.archive.prev) out.push(linkElement("prev-archive", requireUrl(meta.archive.prev, "prev-archive URL")));
    if (meta.archive.next) out.push(linkElement("next-archive", requireUrl(meta.archive.next, "next-archive URL")));
    out.push("<fh:archive/>");
  } else if (meta.prevArchive) {
    out.push(linkElement("prev-archive", requireUrl(meta.prevArchive, "prev-archive URL")));
  }
  if (meta.complete) out.push("<fh:complete/>");
  return out;
}

/**
 * Finishes `feed`'s Atom output: `xml:lang` (and the `fh` namespace) on the root, RFC 5005
 * elements after the feed's own links, no empty `<link/>` on entries without a URL, an explicit
 * `rel="alternate"` on entry links (`feed` writes none), and a final newline. Safe as plain
 * string work because every text `feed` printed is escaped (no raw `<` outside our own markup)
 * and every HTML it printed is ours (`<p>`, `<ul>`, `<li>` only, inside CDATA).
 */
export function finishAtomXml(xml: string, meta: FeedMeta): string {
  if (meta.complete && (meta.archive || meta.prevArchive)) {
    throw new TypeError("feeds: a complete feed (fh:complete) cannot also carry archive links (RFC 5005)");
  }
  const lang = meta.lang ?? "en-GB";
  if (!LANG.test(lang)) throw new TypeError(`feeds: "${lang}" is not a language tag`);
  if (xml.indexOf(ROOT) === -1) throw new Error("feeds: unexpected output from feed: no Atom root element");

  const extra = historyElements(meta);
  const namespaces = extra.some((e) => e.startsWith("<fh:")) ? ` xmlns:fh="${FH_NAMESPACE}"` : "";
  let out = xml.replace(ROOT, `<feed xmlns="http://www.w3.org/2005/Atom"${namespaces} xml:lang="${lang}">`);
  // `published` in London wall-clock time with its offset, so a dump's London date reads as that date.
  out = out.replace(/<published>([^<]+)<\/published>/g, (whole, iso: string) => {
    const at = new Date(iso);
    return Number.isNaN(at.getTime()) ? whole : `<published>${formatLondonIso(at)}</published>`;
  });
  out = out.replace(/\n[ ]*<link\/>/g, "").replace(/<link href="/g, '<link rel="alternate" href="');
  if (extra.length > 0) {
    const firstEntry = out.indexOf(`${INDENT}<entry>`);
    const at = firstEntry !== -1 ? firstEntry : out.lastIndexOf("\n</feed>");
    out = out.slice(0, at) + extra.map((e) => INDENT + e).join("") + out.slice(at);
  }
  return out.endsWith("\n") ? out : `${out}\n`;
}
