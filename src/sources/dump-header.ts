import { memoizeBounded } from "../core/memo.js";
import { parseMonthYear } from "../core/london.js";
import { cleanLine } from "./dump-text.js";

/** A `  • KIND : Title [Month Year]` header, split into its parts. */
export interface DumpHeader {
  /** The `KIND` label (`PRESS RELEASE`), if the header has one. */
  readonly label?: string;
  readonly title: string;
  /** `YYYY-MM` from the `[Month Year]` suffix, if any. */
  readonly month?: string;
}

/** An upper-case label followed by ` : ` (space before the colon, so `Policing: the…` is a title). */
const LABEL = /^([A-Z][A-Z&'’ -]*?)\s+:\s+(.*)$/s;
/** `]`, which a `[Month Year]` suffix ends with. */
const CLOSE = 0x5d;

/** A dump repeats a few hundred `[Month Year]` suffixes: parse each once. */
const monthOf = memoizeBounded(parseMonthYear, 5_000);

/** Parses the text after the bullet of a header (or a repeated-title line). */
export function parseDumpHeader(raw: string): DumpHeader {
  return splitDumpHeader(cleanLine(raw));
}

/** `parseDumpHeader` for a text `cleanLine` has already cleaned. */
export function splitDumpHeader(cleaned: string): DumpHeader {
  let rest = cleaned;
  let label: string | undefined;
  const labelled = LABEL.exec(rest);
  if (labelled) {
    label = labelled[1]!.trim();
    rest = labelled[2]!.trim();
  }
  // The last `[…]` group, when it ends the line: the last `[`, and no `]` before the final one.
  let month: string | undefined;
  const last = rest.length - 1;
  if (rest.charCodeAt(last) === CLOSE) {
    const open = rest.lastIndexOf("[");
    if (open >= 0 && rest.indexOf("]", open) === last) {
      month = monthOf(rest.slice(open + 1, last));
      if (month !== undefined) rest = rest.slice(0, open).trim();
    }
  }
  return { label, title: rest, month };
}
