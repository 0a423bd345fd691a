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
/** The last `[…]` group at the end of the line. */
const SUFFIX = /\s*\[([^[\]]*)\]$/;

/** `[Month Year]` suffixes seen so far (`null`: not a month): a dump repeats a few hundred. */
const MONTHS = new Map<string, string | null>();

function monthOf(text: string): string | undefined {
  let month = MONTHS.get(text);
  if (month === undefined) {
    month = parseMonthYear(text) ?? null;
    if (MONTHS.size < 5_000) MONTHS.set(text, month);
  }
  return month ?? undefined;
}

/** Parses the text after the bullet of a header (or a repeated-title line). */
export function parseDumpHeader(raw: string): DumpHeader {
  let rest = cleanLine(raw);
  let label: string | undefined;
  const labelled = LABEL.exec(rest);
  if (labelled) {
    label = labelled[1]!.trim();
    rest = labelled[2]!.trim();
  }
  let month: string | undefined;
  const suffix = SUFFIX.exec(rest);
  if (suffix) {
    month = monthOf(suffix[1]!);
    if (month !== undefined) rest = rest.slice(0, suffix.index).trim();
  }
  return { label, title: rest, month };
}
