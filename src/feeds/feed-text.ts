import { PressroomError } from "../core/errors.js";
import { escapeXml, stripXmlInvalid } from "../core/text.js";

/**
 * Plain text for a `feed` text node (feed/author names, feed title, ids). `feed`'s XML writer
 * (xml-js) first turns every `&amp;` back into `&` and then escapes `&`, `<`, `>`: pre-escaping
 * `&` makes that an exact round trip, so a literal `&amp;` in a title survives.
 */
export function textForFeed(input: string): string {
  return stripXmlInvalid(input).replace(/&/g, "&amp;");
}

/** An absolute http(s) URL as `feed` will print it, or undefined when the input is not one. */
export function normaliseUrl(input: string | undefined): string | undefined {
  if (input === undefined) return undefined;
  const clean = stripXmlInvalid(input).trim();
  if (!URL.canParse(clean)) return undefined;
  const url = new URL(clean);
  return url.protocol === "http:" || url.protocol === "https:" ? url.toString() : undefined;
}

/** Like `normaliseUrl` for feed-level URLs that come from config: a bad one is a config error. */
export function requireUrl(input: string, what: string): string {
  const url = normaliseUrl(input);
  if (!url) throw new PressroomError("CONFIG_INVALID", `feeds: ${what} "${input}" is not an absolute http(s) URL; check feeds.baseUrl in the config`);
  return url;
}

/** `<link rel=".." href=".."/>` for the parts of the feed we render ourselves. */
export function linkElement(rel: string, href: string): string {
  return `<link rel="${escapeXml(rel)}" href="${escapeXml(href)}"/>`;
}
