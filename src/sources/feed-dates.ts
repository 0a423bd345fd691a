/**
 * Feed dates → UTC instants, reading what feeds in the wild write: ISO 8601 / W3C-DTF (Atom,
 * `dc:date`, `dcterms:*`), RFC 822 / 2822 (RSS `pubDate`) with two-digit years and the zone names
 * feed readers know (python feedparser's table plus the European ones: BST, IST, CET/CEST,
 * MET/MEST, EET/EEST, military letters), and the CMS forms built from the same parts
 * (`Friday, December 22, 2017 - 3:09pm`, `Fri, 23rd Jun 2023 09:32:20 GMT`, asctime).
 * A time with no zone is UTC, never the host's zone (unlike `Date.parse`). Anything else is not a
 * date: `undefined`, so the caller can say which entry and which text.
 */

/** Offsets in minutes east of UTC. IST is Irish Standard (summer) Time, as UK and Irish feeds mean it. */
const ZONES: Readonly<Record<string, number>> = {
  ut: 0, utc: 0, gmt: 0, z: 0, wet: 0, west: 60,
  bst: 60, ist: 60, cet: 60, cest: 120, met: 60, mest: 120, eet: 120, eest: 180, msk: 180,
  ast: -240, adt: -180, at: -240,
  est: -300, edt: -240, et: -300,
  cst: -360, cdt: -300, ct: -360,
  mst: -420, mdt: -360, mt: -420,
  pst: -480, pdt: -420, pt: -480,
  akst: -540, akdt: -480, hst: -600,
};

/** RFC 822 military zones as feedparser reads them: A–I −1…−9, K–M −10…−12, N–Y +1…+12, Z 0. */
function militaryOffset(letter: string): number | undefined {
  const c = letter.charCodeAt(0);
  if (letter.length !== 1 || c < 97 || c > 122 || letter === "j") return undefined;
  if (letter === "z") return 0;
  if (c <= 105) return -(c - 96) * 60; // a..i
  if (c <= 109) return -(c - 97) * 60; // k..m (j skipped)
  return (c - 109) * 60; // n..y
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = new Set(["mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"]);
const DAY_NAMES = new Set(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]);

function monthOf(word: string): number | undefined {
  const w = word.replace(/\.$/, "");
  if (w === "sept") return 9;
  const index = MONTHS.indexOf(w.slice(0, 3));
  if (index < 0) return undefined;
  const full = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"][index]!;
  return w.length === 3 || full === w ? index + 1 : undefined;
}

function offsetOf(sign: string, hours: string, minutes: string | undefined): number {
  const total = Number(hours) * 60 + Number(minutes ?? 0);
  return sign === "-" ? -total : total;
}

function fullYear(digits: string): number {
  const n = Number(digits);
  if (digits.length > 2) return n;
  return n < 50 ? 2000 + n : 1900 + n;
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis: number;
  /** Minutes east of UTC. */
  offset: number;
}

function toInstant(p: Parts): string | undefined {
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > 31 || p.hour > 24 || p.minute > 59 || p.second > 60) return undefined;
  if (p.hour === 24 && (p.minute > 0 || p.second > 0)) return undefined;
  const dayStart = Date.UTC(p.year, p.month - 1, p.day);
  const check = new Date(dayStart);
  if (check.getUTCMonth() !== p.month - 1 || check.getUTCDate() !== p.day) return undefined; // 30 February
  const ms = dayStart + ((p.hour * 60 + p.minute - p.offset) * 60 + Math.min(p.second, 59)) * 1000 + p.millis;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

const ISO = /^(\d{4})(?:-?(\d{2}|(?<=-)\d(?=-|$))(?:-?(\d{2}|(?<=-)\d(?=\D|$)))?)?(?:(?:T|\s+)(\d{1,2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?\s*(z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?$/i;

function parseIso(text: string): string | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  if (h === undefined && zone !== undefined) return undefined;
  let offset = 0;
  const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone ?? "");
  if (z) offset = offsetOf(z[1]!, z[2]!, z[3]);
  return toInstant({
    year: Number(y), month: Number(mo ?? 1), day: Number(d ?? 1),
    hour: Number(h ?? 0), minute: Number(mi ?? 0), second: Number(s ?? 0),
    millis: frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0, offset,
  });
}

const TIME = /^(\d{1,2})[:.](\d{2})(?::(\d{2})(?:[.,](\d+))?)?(am|pm|a\.m\.|p\.m\.)?$/;
const NUMERIC_ZONE = /^(?:gmt|utc|ut)?([+-])(\d{1,2})(?::?(\d{2}))?$/;

/** The free-form reading: day names, a month name, day, year, time, am/pm and zone in any common order. */
function parseWords(text: string): string | undefined {
  const tokens = text
    .toLowerCase()
    .replace(/\([^)]*\)/g, " ") // `+0000 (UTC)` comments
    .replace(/(\d)(st|nd|rd|th)\b/g, "$1")
    .replace(/,/g, " ")
    .split(/\s+|(?<=\d)(?=[a-z]{3,}\b)|\s-\s/)
    .map((t) => t.trim())
    .filter((t) => t !== "" && t !== "-");
  let month: number | undefined;
  let year: number | undefined;
  let day: number | undefined;
  let time: { hour: number; minute: number; second: number; millis: number } | undefined;
  let offset: number | undefined;
  const numbers: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const word = token.replace(/\.$/, "");
    if (DAYS.has(word) || DAY_NAMES.has(word)) continue;
    // `December 22, 2017 at 3:09 PM`: before the time, `at` is a word; after it, Atlantic Time.
    if ((word === "at" || word === "on") && time === undefined) continue;
    const m = time === undefined ? monthOf(word) : undefined;
    if (m !== undefined && month === undefined) { month = m; continue; }
    const t = TIME.exec(token);
    if (t && time === undefined) {
      let hour = Number(t[1]);
      let meridiem = t[5];
      if (!meridiem && /^(am|pm|a\.m\.|p\.m\.)$/.test(tokens[i + 1] ?? "")) meridiem = tokens[++i];
      if (meridiem) {
        if (hour < 1 || hour > 12) return undefined;
        hour = (hour % 12) + (meridiem.startsWith("p") ? 12 : 0);
      }
      time = { hour, minute: Number(t[2]), second: Number(t[3] ?? 0), millis: t[4] ? Math.floor(Number(`0.${t[4]}`) * 1000) : 0 };
      continue;
    }
    if (/^\d{4}$/.test(token) && year === undefined) { year = Number(token); continue; }
    const numeric = /^(\d{4})([/-])(\d{1,2})\2(\d{1,2})$/.exec(token); // `2006/09/15`, `2006-9-15` before a named zone
    if (numeric && year === undefined && month === undefined) {
      [year, month, day] = [Number(numeric[1]), Number(numeric[3]), Number(numeric[4])];
      continue;
    }
    if (/^\d{1,2}\.?$/.test(token)) { numbers.push(token.replace(".", "")); continue; } // `2. January`
    if (time !== undefined && offset === undefined) {
      const zone = NUMERIC_ZONE.exec(token);
      if (zone) {
        offset = offsetOf(zone[1]!, zone[2]!, zone[3]);
        continue;
      }
      const named = ZONES[word] ?? militaryOffset(word);
      if (named !== undefined) { offset = named; continue; }
    }
    // `-0700 MST`: a zone name after the offset only repeats it.
    if (offset !== undefined && (ZONES[word] !== undefined || /^[a-z]{3,5}$/.test(word))) continue;
    return undefined;
  }
  if (month === undefined) return undefined;
  for (const n of numbers) {
    if (day === undefined) day = Number(n);
    else if (year === undefined) year = fullYear(n);
    else return undefined;
  }
  if (day === undefined || year === undefined) return undefined;
  return toInstant({ year, month, day, ...(time ?? { hour: 0, minute: 0, second: 0, millis: 0 }), offset: offset ?? 0 });
}

/** The UTC instant (ISO 8601) a feed date names, or undefined when the text is not a date. */
export function parseFeedDate(text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  return parseIso(trimmed) ?? parseWords(trimmed);
}
