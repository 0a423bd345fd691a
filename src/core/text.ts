/** Text normalisation shared by parsers, hashing, matching and rendering. */

const NBSP_LIKE = /[\u00A0\u2007\u202F\u2000-\u200A\u205F\u3000]/g;
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/g;
const SINGLE_QUOTES = /[\u2018\u2019\u201A\u201B\u2032\u02BC]/g;
const DOUBLE_QUOTES = /[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g;
const DASHES = /[\u2010-\u2015\u2212]/g;

/** Display clean-up: odd spaces become plain spaces, runs of whitespace collapse, ends trimmed. Quotes are kept. */
export function cleanText(input: string): string {
  // Most text has nothing to clean but its ends: no odd or repeated spaces, no zero-width marks.
  if (!needsCleaning(input)) return input.trim();
  return input.replace(ZERO_WIDTH, "").replace(NBSP_LIKE, " ").replace(/\s+/g, " ").trim();
}

/**
 * Whitespace other than a plain space (`[^\S ]`), or a zero-width mark, as one class with no
 * alternation: what `cleanText` would change inside a text, with two plain spaces in a row (found
 * by `includes`). A third faster than one expression with the three alternatives.
 */
const ODD_SPACE = /[\t-\r\u00A0\u1680\u2000-\u200D\u2028\u2029\u202F\u205F\u2060\u3000\uFEFF]/;

/** Whether `cleanText` would change anything inside the text (beyond trimming its ends). */
export function needsCleaning(input: string): boolean {
  return ODD_SPACE.test(input) || input.includes("  ");
}
const NON_ASCII = /[^\u0000-\u007f]/;

/**
 * Canonical form for hashing and comparing: `cleanText` plus straight quotes and ASCII dashes,
 * so a re-render with other spaces or curly quotes is not an edit.
 */
export function canonicalText(input: string): string {
  const clean = cleanText(input);
  // Quotes, dashes and NFC only concern non-ASCII text.
  if (!NON_ASCII.test(clean)) return clean;
  return clean
    .replace(SINGLE_QUOTES, "'")
    .replace(DOUBLE_QUOTES, '"')
    .replace(DASHES, "-")
    .normalize("NFC");
}

/** Lower-case ASCII-folded form (accents removed) used for ids and matching. */
export function foldText(input: string): string {
  return canonicalText(input)
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
}

/** Text whose fold is plain lower-casing: ASCII plus curly quotes, en/em dashes and NBSP. */
const SIMPLE_FOLD = /^[\u0020-\u007e\u00a0\u2013\u2014\u2018\u2019\u201c\u201d]*$/;
const QUOTES_ANY = /['"\u2018\u2019\u201c\u201d]/g;

const isSlugChar = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
const isQuote = (c: number) => c === 39 || c === 34 || c === 0x2018 || c === 0x2019 || c === 0x201c || c === 0x201d;

/**
 * Slug of text in SIMPLE_FOLD, in one pass: letters and digits kept (lower-cased), quotes dropped,
 * anything else a separator. Runs of letters and digits are copied as slices (a string grown a
 * character at a time made a new string per character: 190 MB for the titles of a 20,000-release import).
 */
function simpleSlug(input: string): string {
  const text = input.toLowerCase();
  let out = "";
  let dash = false;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (!isSlugChar(c)) {
      if (!isQuote(c)) dash = true;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < text.length && isSlugChar(text.charCodeAt(j))) j++;
    if (dash && out !== "") out += "-";
    dash = false;
    out += text.slice(i, j);
    i = j;
  }
  return out;
}

/** URL- and tag-safe slug: `Home Secretary’s speech` → `home-secretarys-speech`. */
export function slugify(input: string, maxLength = 120): string {
  // Fast path (most titles): lower-casing is all `foldText` would do to these characters, and
  // quotes vanish while dashes and spaces become separators either way.
  const slug = SIMPLE_FOLD.test(input)
    ? simpleSlug(input)
    : foldText(input).replace(QUOTES_ANY, "").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return slug.slice(0, maxLength).replace(/-+$/g, "") || "untitled";
}

/** Characters XML 1.0 cannot carry at all, even escaped. */
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function stripXmlInvalid(input: string): string {
  return input.replace(XML_INVALID, "");
}

const ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
/** A character `escapeXml` changes: markup, or anything XML-invalid (surrogates are checked in full). */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPING = /[&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;

export function escapeXml(input: string): string {
  if (!NEEDS_ESCAPING.test(input)) return input;
  return stripXmlInvalid(input).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Same escaping for HTML text and attribute values. */
export const escapeHtml = escapeXml;
