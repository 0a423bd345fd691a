import { formatLondonIso } from "../core/london.js";
import type { StoredRelease } from "../core/release.js";
import { escapeHtml, stripXmlInvalid } from "../core/text.js";
import { publishedOf, updatedOf } from "./entry-order.js";
import { normaliseUrl } from "./feed-text.js";
import { kindLabel, kindSlug } from "./feed-names.js";
import { renderHtmlBody } from "./html-body.js";

/** Where an entry links when the release has no URL of its own (the server's release page). */
export type EntryLinker = (release: StoredRelease) => string | undefined;

const I2 = "\n        ";
const I3 = "\n            ";

/** Text content as the Atom document prints it: `&`, `<` and `>` escaped. */
function text(value: string): string {
  return /[&<>]/.test(value) ? value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;") : value;
}

/** An attribute value whose `&` is escaped (URLs, labels): quotes are escaped too. */
function attribute(value: string): string {
  return /[&"]/.test(value) ? value.replace(/&/g, "&amp;").replace(/"/g, "&quot;") : value;
}

/** HTML for a CDATA section; the HTML is escaped, so `]]>` cannot occur, but a stray one is split. */
function cdata(html: string): string {
  return `<![CDATA[${html.replace("]]>", "]]]]><![CDATA[>")}]]>`;
}

/**
 * One release as an Atom `<entry>`, indented as the document prints it (RFC 4287 §4.1.2):
 * title, id, the alternate link (when there is one), updated, summary, content, the department as
 * author, the kind as category, and `published` in London wall-clock time. Every text is escaped
 * once, straight into the output: at 100,000 entries a general XML writer costs more than the
 * rest of an import. `test/feeds/atom-entry.test.ts` proves it prints exactly what the `feed`
 * package does for the same release.
 */
export function renderAtomEntry(release: StoredRelease, fallback: Date, linkOf: EntryLinker, entryId: string): string {
  const link = normaliseUrl(release.url) ?? linkOf(release);
  const summary = escapeHtml(release.summary).trim();
  const content = renderHtmlBody(release.body) || `<p>${summary || escapeHtml(release.title)}</p>`;
  const department = text(stripXmlInvalid(release.department).trim());
  // Parts joined once: a string grown by `+=` is a tree of pieces, copied flat again by whatever
  // reads it next (hashing the feed, then writing it).
  const out = [`\n    <entry>${I2}<title type="html">${cdata(escapeHtml(release.title))}</title>`];
  out.push(`${I2}<id>${text(new URL(entryId).toString())}</id>`);
  if (link !== undefined) out.push(`${I2}<link rel="alternate" href="${attribute(new URL(link).toString())}"/>`);
  out.push(`${I2}<updated>${updatedOf(release, fallback).toISOString()}</updated>`);
  if (summary) out.push(`${I2}<summary type="html">${cdata(summary)}</summary>`);
  out.push(`${I2}<content type="html">${cdata(content)}</content>`);
  out.push(`${I2}<author>${I3}${department ? `<name>${department}</name>` : "<name/>"}${I2}</author>`);
  out.push(`${I2}<category label="${attribute(kindLabel(release.kind))}" term="${attribute(kindSlug(release.kind))}"/>`);
  out.push(`${I2}<published>${formatLondonIso(publishedOf(release, fallback))}</published>\n    </entry>`);
  return out.join("");
}
