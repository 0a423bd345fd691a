/** Dates scraped from pages: an ISO instant (`<time datetime>`), `30 October 2023`, `Monday 30 October 2023`. */
import { londonDate, londonTime, parseDayMonthYear } from "../core/london.js";
import { cleanText } from "../core/text.js";

export interface ScrapedDate {
  /** London calendar date. */
  readonly date: string;
  /** UTC instant, when the page gave a time. */
  readonly publishedAt?: string;
}

export function parseScrapedDate(raw: string | undefined): ScrapedDate | undefined {
  const text = cleanText(raw ?? "");
  if (!text) return undefined;
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  if (iso) {
    const date = `${iso[1]}-${iso[2]}-${iso[3]}`;
    // A real calendar day (2023-02-30 is not).
    const midnight = Date.parse(`${date}T00:00:00Z`);
    if (Number.isNaN(midnight) || new Date(midnight).toISOString().slice(0, 10) !== date) return undefined;
    if (iso[4] === undefined) return { date };
    // A time without an offset is London wall-clock time, whatever the server's zone.
    const instant = iso[6] ? new Date(Date.parse(text)) : londonTime(date, Number(iso[4]), Number(iso[5]));
    if (Number.isNaN(instant.getTime())) return undefined;
    return { date: londonDate(instant), publishedAt: instant.toISOString() };
  }
  const words = text
    .replace(/^(published|updated|posted)\s*(on)?\s*:?\s*/i, "")
    .replace(/^(mon|tues|wednes|thurs|fri|satur|sun)day,?\s+/i, "")
    .replace(/,/g, "");
  // `30 October 2023`, `30 Oct 2023`, or `October 30 2023` (commas already removed).
  const monthFirst = /([A-Za-z]{3,}\.?)\s+(\d{1,2})(?:st|nd|rd|th)?\s+(\d{4})/.exec(words);
  const day = /(\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\.?\s+\d{4})/.exec(words)?.[1]
    ?? (monthFirst ? `${monthFirst[2]} ${monthFirst[1]} ${monthFirst[3]}` : undefined);
  const date = day ? parseDayMonthYear(day) : undefined;
  return date ? { date } : undefined;
}
