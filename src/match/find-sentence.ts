const ENDERS = new Set([".", "!", "?"]);
const CLOSERS = new Set(['"', "'", "\u2019", "\u201D", ")", "]"]);
/** Words whose trailing period does not end a sentence. */
const ABBREVIATIONS = new Set(["mr", "mrs", "ms", "dr", "st", "no", "vs", "etc", "eg", "ie", "e.g", "i.e", "prof", "rt", "hon"]);

/**
 * Splits a text into sentences, as [start, end) ranges trimmed of spaces, in one pass.
 * A sentence ends at `.`, `!` or `?` (plus closing quotes) before a space or the end, or at a line break;
 * `Mr.`, `e.g.` and initials (`J. Smith`) do not end one.
 */
export function splitSentences(text: string): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let j = 0; j < text.length; j++) {
    const ch = text[j] as string;
    if (ch === "\n") {
      push(out, text, start, j);
      start = j + 1;
    } else if (ENDERS.has(ch) && isSentenceEnd(text, j)) {
      let end = j + 1;
      while (end < text.length && CLOSERS.has(text[end] as string)) end++;
      push(out, text, start, end);
      start = end;
      j = end - 1;
    }
  }
  push(out, text, start, text.length);
  return out;
}

/** The sentence of `sentences` holding offset `from`, stretched to the one holding `to` if a hit spans two. */
export function findSentence(sentences: readonly [number, number][], from: number, to: number): [number, number] {
  let first: [number, number] | undefined;
  let last: [number, number] | undefined;
  for (const s of sentences) {
    if (!first && from < s[1]) first = s;
    if (to <= s[1]) {
      last = s;
      break;
    }
  }
  first ??= sentences[sentences.length - 1] ?? [from, to];
  last ??= first;
  return [Math.min(first[0], from), Math.max(last[1], to)];
}

function push(out: [number, number][], text: string, start: number, end: number): void {
  let s = start;
  let e = end;
  while (s < e && isSpace(text.charCodeAt(s))) s++;
  while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
  if (e > s) out.push([s, e]);
}

function isSpace(code: number): boolean {
  if (code === 32 || (code >= 9 && code <= 13)) return true;
  return code > 127 && /\s/.test(String.fromCharCode(code));
}

/** Whether the ender at `j` ends a sentence: followed by a space or the end, and not `Mr.` or an initial. */
function isSentenceEnd(text: string, j: number): boolean {
  let k = j + 1;
  while (k < text.length && CLOSERS.has(text[k] as string)) k++;
  if (k < text.length && !isSpace(text.charCodeAt(k))) return false;
  if (text[j] !== ".") return true;
  const word = /([\p{L}.]+)$/u.exec(text.slice(Math.max(0, j - 12), j))?.[1] ?? "";
  if (ABBREVIATIONS.has(word.toLowerCase())) return false;
  return !/^\p{Lu}$/u.test(word);
}
