import { memoizeBounded } from "../core/memo.js";
import { parseDayMonthYear } from "../core/london.js";

/**
 * The line that dates a release:
 * `The press release issued by the Home Office on 30 October 2023.`,
 * `The speech made by Suella Braverman, the Home Secretary, on 5 March 2024.`,
 * `Below is the text of the speech made by Theresa May, the Home Secretary, on 9th April 2014.`
 */
export interface DumpDateLine {
  /** `press release`, `speech`, `statement`… as written. */
  readonly label: string;
  /** The named organisation for `issued by the X`, undefined when a person made it. */
  readonly issuer?: string;
  /** `YYYY-MM-DD`, or undefined when the date part is not a real date (`31 February 2024`). */
  readonly date?: string;
  readonly dateText: string;
}

const DATE_LINE =
  /^(?:below is the text of\s+)?the\s+(.{1,60}?)\s+(issued|made|given|delivered|published|released|written)\s+by\s+(.+?)\s+on\s+(\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\s+\d{4})\s*\.?$/i;

/** An organisation named after `issued by`; `Name, the Role` is a person, not an organisation. */
function issuerOf(verb: string, by: string): string | undefined {
  if (!/^(issued|published|released)$/i.test(verb) || /,\s+the\s/i.test(by)) return undefined;
  const name = by.replace(/^the\s+/i, "").trim();
  return name.length > 0 && name.length <= 120 ? name : undefined;
}

/** A dump repeats the same few hundred days: parse each date text once. */
const dateOf = memoizeBounded(parseDayMonthYear, 20_000);

/** Recognises a cleaned paragraph as a date line, or returns undefined. */
export function parseDumpDateLine(text: string): DumpDateLine | undefined {
  if (text.length > 400) return undefined;
  const m = DATE_LINE.exec(text);
  if (!m) return undefined;
  const dateText = m[4]!;
  return { label: m[1]!, issuer: issuerOf(m[2]!, m[3]!), date: dateOf(dateText), dateText };
}
