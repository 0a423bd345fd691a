/** Plain text out of HTML fragments and entity-laden strings. */
import { load } from "cheerio";
import { decodeHTML, decodeHTMLStrict } from "entities";
import { cleanText } from "../core/text.js";

/**
 * Decodes HTML entities left in text (WordPress titles: `&#8217;`, `&amp;`, `&#x2019;`) with the
 * full HTML table (`&Eacute;` is É, `&AElig;` Æ; `&#146;` is ’ as browsers read it). Only
 * references ending in `;` are read; unknown ones stay.
 */
export function decodeEntities(input: string): string {
  return input.includes("&") ? decodeHTMLStrict(input) : input;
}

/** Cleaned plain text of an HTML fragment (or of plain text that may carry entities). */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return cleanText(html);
  // No markup: only character references, decoded as an HTML parser would in text.
  if (!html.includes("<")) return cleanText(decodeHTML(html));
  const $ = load(html, null, false);
  $("script, style, iframe, noscript, template").remove();
  $("br").replaceWith(" ");
  $("p, li, div, h1, h2, h3, h4, h5, h6").append(" ");
  return cleanText($.root().text());
}
