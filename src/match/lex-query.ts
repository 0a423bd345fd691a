import { QuerySyntaxError } from "./query-error.js";
import { tokenize } from "./tokenize.js";

export type FieldName = "title" | "summary" | "body" | "kind";
export const FIELD_NAMES: readonly FieldName[] = ["title", "summary", "body", "kind"];

export type QueryToken =
  | { readonly kind: "lparen" | "rparen" | "and" | "or" | "not" | "minus"; readonly start: number; readonly end: number }
  | { readonly kind: "field"; readonly field: FieldName; readonly start: number; readonly end: number }
  /** A bare word (may hold punctuation: `facial-recognition`) or the inside of a quoted phrase. */
  | { readonly kind: "text"; readonly terms: readonly string[]; readonly quoted: boolean; readonly start: number; readonly end: number };

const QUOTES = new Set(['"', "\u201C", "\u201D", "\u201E", "\u201F", "\u2033"]);
/**
 * Single quotes: `'`, `‘`, `’` and the rest `foldText` reads as `'`. Queries that fold alike share a
 * topic id (and one compiled query), so `'small boats'` must mean what `‘small boats’` means. Inside
 * a word they are apostrophes (`Office’s`, `O‘Neill`); one opening a token opens a phrase.
 */
const SINGLE_QUOTES = new Set(["'", "\u2018", "\u2019", "\u201A", "\u201B", "\u2032", "\u02BC", "\uFF07"]);
/**
 * The other characters `foldText` reads as `"` (`«`, `»`, `＂`), so queries written with them share
 * a topic id with `"…"`: at a token's start one opens a phrase, closed by the next of them that ends
 * a token (a space, `)` or the end follows), with no parenthesis in between. They were punctuation
 * before, and stored topics use `»` as a separator (`news » (asylum OR Rwanda) » policy`): one that
 * closes no such phrase, or one around no words, is still punctuation (a topic that fails to
 * compile stops alerts for all), and a phrase in `"` still closes only at a double quote.
 */
const OTHER_DOUBLE_QUOTES = new Set(["\u00AB", "\u00BB", "\uFF02"]);
/** Whether `ch` may open a phrase right after `-` or a field's colon. */
const opensPhrase = (ch: string): boolean => QUOTES.has(ch) || SINGLE_QUOTES.has(ch) || OTHER_DOUBLE_QUOTES.has(ch);
const OPERATORS = { AND: "and", OR: "or", NOT: "not" } as const;
const FIELD_PREFIX = /^([A-Za-z]+):/;

function isSpace(ch: string): boolean {
  return /\s/.test(ch);
}

function isRunEnd(ch: string | undefined): boolean {
  return ch === undefined || ch === "(" || ch === ")" || QUOTES.has(ch) || isSpace(ch);
}

/** Splits a query into operators, parentheses, field prefixes, words and phrases. */
export function lexQuery(query: string): QueryToken[] {
  const out: QueryToken[] = [];
  let i = 0;
  while (i < query.length) {
    const ch = query[i] as string;
    if (isSpace(ch)) i++;
    else if (ch === "(" || ch === ")") {
      out.push({ kind: ch === "(" ? "lparen" : "rparen", start: i, end: i + 1 });
      i++;
    } else if (QUOTES.has(ch)) i = lexPhrase(query, i, out);
    else if (SINGLE_QUOTES.has(ch)) i = lexSingleQuoted(query, i, out);
    else if (OTHER_DOUBLE_QUOTES.has(ch)) i = lexOtherQuoted(query, i, out);
    else {
      let end = i;
      while (!isRunEnd(query[end]) && !opensAfter(query, end)) end++;
      lexRun(query, i, end, out);
      i = end;
    }
  }
  return out;
}

function lexPhrase(query: string, open: number, out: QueryToken[]): number {
  let close = open + 1;
  while (close < query.length && !QUOTES.has(query[close] as string)) close++;
  if (close >= query.length) throw new QuerySyntaxError(query, open, "this quote is never closed");
  return pushPhrase(query, open, close, close + 1, out);
}

function pushPhrase(query: string, open: number, contentEnd: number, end: number, out: QueryToken[]): number {
  const terms = tokenize(query.slice(open + 1, contentEnd)).map((t) => t.term);
  if (terms.length === 0) throw new QuerySyntaxError(query, open, "this quoted phrase has no words");
  out.push({ kind: "text", terms, quoted: true, start: open, end });
  return end;
}

/** A single quote (or `«`) here opens a phrase though the run has begun: right after `-` (`-‘a b’`) or a field's colon (`body:‘a b’`). */
function opensAfter(query: string, at: number): boolean {
  const before = query[at - 1];
  const ch = query[at] as string;
  return (SINGLE_QUOTES.has(ch) || OTHER_DOUBLE_QUOTES.has(ch)) && before !== undefined && (before === ":" || MINUS.has(before));
}

/** A phrase in `«…»` (or `»…«`, `＂…＂`); see OTHER_DOUBLE_QUOTES. */
function lexOtherQuoted(query: string, open: number, out: QueryToken[]): number {
  let close = -1;
  for (let k = open + 1; k < query.length; k++) {
    const ch = query[k] as string;
    if (ch === "(" || ch === ")") break;
    if (OTHER_DOUBLE_QUOTES.has(ch) && endsToken(query[k + 1])) {
      close = k;
      break;
    }
  }
  if (close > 0 && tokenize(query.slice(open + 1, close)).length > 0) return pushPhrase(query, open, close, close + 1, out);
  let end = open + 1;
  while (!isRunEnd(query[end]) && !opensAfter(query, end)) end++;
  lexRun(query, open, end, out);
  return end;
}

/** After a closing single quote: the end, a space or `)`. */
function endsToken(ch: string | undefined): boolean {
  return ch === undefined || ch === ")" || isSpace(ch);
}

/**
 * A phrase in single quotes (`‘facial recognition’`, `'small boats'`): it closes at the first single
 * quote that ends a token, so an apostrophe inside it stays one (`‘Home Office’s plans’`); failing
 * that, at a possessive that ends a token (`‘facial recognition’s` is the phrase, `’s` dropped as
 * in any word). Never closed, or closed around no words, it is an apostrophe, as it was before
 * single quotes made phrases: topics stored then (`'tis`, `‘90s`, `x ‘’`) must still compile, since
 * one that fails stops alerts for all.
 */
function lexSingleQuoted(query: string, open: number, out: QueryToken[]): number {
  let close = -1;
  let possessive = -1;
  for (let k = open + 1; k < query.length && close < 0; k++) {
    if (!SINGLE_QUOTES.has(query[k] as string)) continue;
    if (endsToken(query[k + 1])) close = k;
    else if (possessive < 0 && (query[k + 1] === "s" || query[k + 1] === "S") && endsToken(query[k + 2])) possessive = k;
  }
  const [contentEnd, after] = close >= 0 ? [close, close + 1] : possessive >= 0 ? [possessive + 2, possessive + 2] : [-1, -1];
  // A pair holding no words (`Rwanda ‘’`) is apostrophes too, as before: never an empty phrase's error.
  if (contentEnd >= 0 && tokenize(query.slice(open + 1, contentEnd)).length > 0) return pushPhrase(query, open, contentEnd, after, out);
  let end = open + 1;
  while (!isRunEnd(query[end]) && !opensAfter(query, end)) end++;
  lexRun(query, open, end, out);
  return end;
}

/** Minus signs that negate: the hyphen-minus, and the dashes autocorrect puts in its place (–, —, −). */
const MINUS = new Set(["-", "\u2013", "\u2014", "\u2212"]);

function lexRun(query: string, start: number, end: number, out: QueryToken[]): void {
  let s = start;
  if (MINUS.has(query[s] as string)) {
    const next = query[s + 1];
    // `-word`, `-(group)`, `-"phrase"`, `-‘phrase’` negate; a lone `-` between words is punctuation.
    if (s + 1 < end || next === "(" || (next !== undefined && opensPhrase(next))) {
      out.push({ kind: "minus", start: s, end: s + 1 });
      s++;
    } else return;
  }
  let run = query.slice(s, end);
  const prefix = FIELD_PREFIX.exec(run);
  if (prefix) {
    const name = (prefix[1] as string).toLowerCase();
    const rest = run.slice(prefix[0].length);
    const field = FIELD_NAMES.find((f) => f === name);
    if (field) {
      const after = query[end];
      if (rest === "" && (after === undefined || !(after === "(" || opensPhrase(after)))) {
        throw new QuerySyntaxError(query, s, `"${name}:" needs a word, "a phrase" or (a group) right after the colon`);
      }
      if (rest.startsWith("-") || Object.hasOwn(OPERATORS, rest)) {
        throw new QuerySyntaxError(query, s, `negate a field by putting the minus or NOT before it: -${name}:word, not ${name}:${rest.startsWith("-") ? "-" : "NOT "}word`);
      }
      out.push({ kind: "field", field, start: s, end: s + prefix[0].length });
      s += prefix[0].length;
      run = rest;
      if (run === "") return;
    } else if (rest !== "") {
      throw new QuerySyntaxError(query, s, `unknown field "${name}:"; use title:, summary:, body: or kind:`);
    }
  } else if (Object.hasOwn(OPERATORS, run)) {
    out.push({ kind: OPERATORS[run as keyof typeof OPERATORS], start: s, end });
    return;
  }
  const terms = tokenize(run).map((t) => t.term);
  if (terms.length > 0) out.push({ kind: "text", terms, quoted: false, start: s, end });
  else if (out[out.length - 1]?.kind === "field" && out[out.length - 1]?.end === s) {
    throw new QuerySyntaxError(query, s, "a field needs a word after the colon");
  }
}
