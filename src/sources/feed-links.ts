/**
 * The link of a feed entry, made absolute: trimmed (feeds pretty-print `<link>` across lines),
 * resolved against the `xml:base` in scope, which itself starts from the document's URL; for RSS,
 * against the channel's own `<link>` when no `xml:base` says otherwise, as feed readers do.
 */
import { NS, childElements, textOf } from "./feed-xml.js";
import type { XmlElement } from "./feed-xml.js";

/** An absolute URL, or undefined for an empty or unresolvable value. */
export function resolveLink(value: string | undefined, base: string): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  try {
    return new URL(trimmed, base || undefined).href;
  } catch {
    return undefined;
  }
}

const ATOM = new Set<string>([NS.atom, NS.atom03, ""]);

/**
 * Atom's alternate link: `rel="alternate"` (or no rel), preferring an HTML one; the `href`, or the
 * text of a `<link>URL</link>` with no attributes.
 */
export function pickAtomLink(entry: XmlElement, namespaces: ReadonlySet<string> = ATOM): string | undefined {
  const links = childElements(entry).filter((e) => e.local === "link" && namespaces.has(e.ns));
  const alternates = links.filter((l) => (l.attrs.rel ?? "alternate").trim().toLowerCase() === "alternate");
  const html = alternates.find((l) => /html/i.test(l.attrs.type ?? "text/html"));
  for (const link of [html, ...alternates]) {
    if (!link) continue;
    const url = resolveLink(link.attrs.href ?? textOf(link), link.base);
    if (url) return url;
  }
  return undefined;
}
