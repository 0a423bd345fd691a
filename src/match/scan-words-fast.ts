import { scanWords } from "./tokenize.js";

/** ASCII letters and digits. */
const ALNUM = new Uint8Array(128);
for (let c = 0; c < 128; c++) ALNUM[c] = /[A-Za-z0-9]/.test(String.fromCharCode(c)) ? 1 : 0;
const APOSTROPHE = 39;
const COMMA = 44;
const ZERO = 48;
const NINE = 57;

/**
 * Calls `onWord(word)` for exactly the words `scanWords(text, …)` reads, in order, without running
 * its regular expression over plain words. The text is cut into runs: the longest stretches of
 * ASCII letters and digits, apostrophes, commas followed by a digit and any non-ASCII character.
 * Nothing outside a run (a space, most punctuation, a comma before a non-digit) can be part of a
 * word or change where one ends, so `scanWords` reads each run alone as it reads it in place. A run
 * of ASCII letters and digits only is one word, passed as it is; any other run (`Secretary’s`,
 * `café`, `30,000`) goes through `scanWords`, so the tokenizer's own rules decide it. The matcher
 * reads every release with this (most words are plain); `scan-words-fast.test.ts` checks it
 * against `scanWords`.
 */
export function scanWordsFast(text: string, onWord: (word: string) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (c < 128 && ALNUM[c] === 0 && c !== APOSTROPHE) {
      i++;
      continue;
    }
    const start = i;
    let plain = true;
    while (i < n) {
      c = text.charCodeAt(i);
      if (c < 128) {
        if (ALNUM[c] === 1) {
          i++;
          continue;
        }
        if (c === APOSTROPHE) {
          plain = false;
          i++;
          continue;
        }
        if (c === COMMA && i + 1 < n) {
          const next = text.charCodeAt(i + 1);
          if (next >= ZERO && next <= NINE) {
            plain = false;
            i++;
            continue;
          }
        }
        break;
      }
      plain = false;
      i++;
    }
    if (plain) onWord(text.slice(start, i));
    else scanWords(text.slice(start, i), onWord);
  }
}
