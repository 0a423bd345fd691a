/** Dates scraped from pages: an ISO instant (`<time datetime>`), `30 October 2023`, `Monday 30 October 2023`. */
import { londonDate, parseDayMonthYear } from "../core/london.js";
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
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    return Number.isNaN(Date.parse(`${text}T00:00:00Z`)) ? undefined : { date: text };
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) return undefined;
    const instant = new Date(ms);
    return { date: londonDate(instant), publishedAt: instant.toISOString() };
  }
  const words = text
    .replace(/^(published|updated|posted)\s*(on)?\s*:?\s*/i, "")
    .replace(/^(mon|tues|wednes|thurs|fri|satur|sun)day,?\s+/i, "")
    .replace(/,/g, "");
  const day = /(\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\s+\d{4})/.exec(words)?.[1];
  const date = day ? parseDayMonthYear(day) : undefined;
  return date ? { date } : undefined;
}
