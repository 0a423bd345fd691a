/** Kinds of release: normalisation of source labels to slugs, GOV.UK title prefixes, the news kinds kept by default. */
import { slugify } from "../core/text.js";

/** Labels whose slug is not simply the slugified label. */
const ALIASES: Readonly<Record<string, string>> = {
  "oral-statement-to-parliament": "oral-statement",
  "written-statement-to-parliament": "written-statement",
  "statement-to-parliament": "oral-statement",
  "news-article": "news-story",
  "pressrelease": "press-release",
  "speeches": "speech",
};

/** `Press release` → `press-release`, `news_story` → `news-story`, `Oral statement to Parliament` → `oral-statement`. */
export function normaliseKind(label: string): string {
  const slug = slugify(label.replace(/_/g, " "), 60);
  return ALIASES[slug] ?? slug;
}

/** Display types GOV.UK puts before titles in organisation feeds (`Press release: …`). */
const GOVUK_PREFIXES: readonly string[] = [
  "Press release", "News story", "Speech", "Oral statement to Parliament", "Written statement to Parliament",
  "Statement to Parliament", "Authored article", "Government response", "Guidance", "Detailed guide",
  "Policy paper", "Transparency data", "Official Statistics", "National Statistics", "Statistics",
  "Correspondence", "Form", "Corporate report", "Research and analysis", "FOI release", "Consultation outcome",
  "Open consultation", "Closed consultation", "Notice", "Independent report", "Decision", "Statutory guidance",
  "Impact assessment", "Promotional material", "Case study", "Collection", "Policy", "Regulation",
  "International treaty", "Map", "Statistical data set", "Accredited official statistics", "Manual",
];

const PREFIX_RE = new RegExp(
  `^\\s*(${GOVUK_PREFIXES.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})\\s*:\\s+(.+)$`,
  "is",
);

/** Splits `Press release: Title` into kind and title. Titles with an unknown prefix are left whole. */
export function splitGovukPrefix(title: string): { kind?: string; title: string } {
  const m = PREFIX_RE.exec(title);
  if (!m) return { title };
  return { kind: normaliseKind(m[1]!), title: m[2]!.trim() };
}

/** Guesses the kind from a GOV.UK path when nothing else says it. */
export function kindFromGovukPath(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url, "https://www.gov.uk").pathname;
  } catch {
    return undefined;
  }
  if (path.startsWith("/government/news/")) return "news";
  if (path.startsWith("/government/speeches/")) return "speech";
  if (path.startsWith("/government/publications/")) return "publication";
  if (path.startsWith("/guidance/")) return "guidance";
  if (path.startsWith("/government/statistics/")) return "statistics";
  if (path.startsWith("/government/consultations/")) return "consultation";
  return undefined;
}

/** Kinds kept when a feed source lists no `kinds`: news and communications, not guidance or data. */
export const NEWS_KINDS: ReadonlySet<string> = new Set([
  "press-release", "news-story", "speech", "oral-statement", "written-statement", "authored-article",
  "government-response", "news",
]);
