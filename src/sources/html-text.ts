/** Plain text out of HTML fragments and entity-laden strings. */
import { load } from "cheerio";
import { cleanText } from "../core/text.js";

const NAMED: Readonly<Record<string, string>> = {
  amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00A0", hellip: "\u2026", ndash: "\u2013",
  mdash: "\u2014", lsquo: "\u2018", rsquo: "\u2019", ldquo: "\u201C", rdquo: "\u201D", pound: "\u00A3",
  euro: "\u20AC", copy: "\u00A9", reg: "\u00AE", trade: "\u2122", bull: "\u2022", middot: "\u00B7",
  laquo: "\u00AB", raquo: "\u00BB", eacute: "\u00E9", egrave: "\u00E8", aacute: "\u00E1", iacute: "\u00ED",
  oacute: "\u00F3", uacute: "\u00FA", ccedil: "\u00E7", uuml: "\u00FC", ouml: "\u00F6", auml: "\u00E4",
};

/** Decodes HTML entities left in text (WordPress titles: `&#8217;`, `&amp;`, `&#x2019;`). Unknown ones stay. */
export function decodeEntities(input: string): string {
  return input.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});/gi, (whole, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

/** Cleaned plain text of an HTML fragment (or of plain text that may carry entities). */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return cleanText(html);
  const $ = load(html, null, false);
  $("script, style, iframe, noscript, template").remove();
  $("br").replaceWith(" ");
  $("p, li, div, h1, h2, h3, h4, h5, h6").append(" ");
  return cleanText($.root().text());
}
