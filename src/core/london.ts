/** Europe/London calendar helpers. Dates people see are London dates; storage is UTC instants. */

export const LONDON = "Europe/London";

const MONTHS = [
  "january", "february", "march", "april", "may", "june",
  "july", "august", "september", "october", "november", "december",
] as const;

// Made at first use: loading the time zone data costs tens of milliseconds, which a command that
// never converts an instant (`pressroom search`) should not pay at start.
let londonParts: Intl.DateTimeFormat | undefined;

function partsOf(instant: Date): Record<string, string> {
  londonParts ??= new Intl.DateTimeFormat("en-GB", {
    timeZone: LONDON,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
  const out: Record<string, string> = {};
  for (const p of londonParts.formatToParts(instant)) out[p.type] = p.value;
  return out;
}

/** The London calendar date (`YYYY-MM-DD`) of a UTC instant. */
export function londonDate(instant: Date | string): string {
  const d = typeof instant === "string" ? new Date(instant) : instant;
  const p = partsOf(d);
  return `${p.year}-${p.month}-${p.day}`;
}

/** Offset of London from UTC at an instant, in minutes (0 or 60). */
export function londonOffsetMinutes(instant: Date): number {
  const t = instant.getTime();
  // Since 1900 every London transition falls on a whole UTC hour, so one answer serves an hour.
  if (!(t >= HOURLY_FROM)) return offsetByIntl(instant);
  const hour = Math.floor(t / 3_600_000);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    if (offsetByHour.size >= 100_000) offsetByHour.clear();
    offset = offsetByIntl(new Date(hour * 3_600_000));
    offsetByHour.set(hour, offset);
  }
  return offset;
}

const HOURLY_FROM = Date.UTC(1900, 0, 1);
const offsetByHour = new Map<number, number>();

/** The offset as the time zone database gives it (Intl); about 5 µs a call. */
export function offsetByIntl(instant: Date): number {
  const p = partsOf(instant);
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** The UTC instant of London midnight starting a calendar date. */
export function londonMidnight(date: string): Date {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const guess = new Date(Date.UTC(y, m - 1, d));
  return new Date(guess.getTime() - londonOffsetMinutes(guess) * 60_000);
}

/** A London wall-clock time on a date, as a UTC instant. */
export function londonTime(date: string, hour: number, minute: number): Date {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const guess = new Date(Date.UTC(y, m - 1, d, hour, minute));
  return new Date(guess.getTime() - londonOffsetMinutes(guess) * 60_000);
}

/** 1–12 for a month name or an abbreviation of at least three letters (`Oct`, `Sept`), else 0. */
function monthNumber(name: string): number {
  const lower = name.toLowerCase().replace(/\.$/, "");
  if (lower.length < 3) return 0;
  return MONTHS.findIndex((m) => m.startsWith(lower)) + 1;
}

/** Parses `30 October 2023` / `5 March 2024` / `1st May 2024` to `YYYY-MM-DD`, or undefined. */
export function parseDayMonthYear(text: string): string | undefined {
  const m = /^\s*(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+\.?)\s+(\d{4})\s*$/.exec(text);
  if (!m) return undefined;
  const day = Number(m[1]);
  const month = monthNumber(m[2]!);
  const year = Number(m[3]);
  if (month < 1 || day < 1 || day > 31) return undefined;
  const iso = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  const check = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(check.getTime()) || check.getUTCDate() !== day) return undefined;
  return iso;
}

/** Parses `October 2023` to `YYYY-MM`, or undefined. */
export function parseMonthYear(text: string): string | undefined {
  const m = /^\s*([A-Za-z]+)\s+(\d{4})\s*$/.exec(text);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1]!.toLowerCase() as (typeof MONTHS)[number]) + 1;
  if (month < 1) return undefined;
  return `${m[2]}-${String(month).padStart(2, "0")}`;
}

/** Whole days between two `YYYY-MM-DD` dates (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** Shift a `YYYY-MM-DD` date by whole days. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** `30 October 2023` for people. */
export function formatLondonDate(date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const name = MONTHS[m - 1]!;
  return `${d} ${name[0]!.toUpperCase()}${name.slice(1)} ${y}`;
}

/** RFC 3339 in London local time with its offset: `2023-10-23T00:00:00+01:00` (same instant, London's wall clock). */
export function formatLondonIso(instant: Date): string {
  const offset = londonOffsetMinutes(instant);
  const local = new Date(instant.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}
