import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { Release } from "../src/core/release.js";
import { compileQuery, createTopicMatcher, type TopicMatch, tokenize } from "../src/match/index.js";

export interface MatchBenchResult {
  topics: number;
  releases: number;
  /** Building the topic index (parse + index), not included in `indexedMs`. */
  buildMs: number;
  /** Indexed matcher over every release (which topics match; snippets are built when read). */
  indexedMs: number;
  perRelease_us: number;
  matchesPerRelease: number;
  /** Every compiled query against every release (`matches()`), on a subset. */
  naiveSubset: { topics: number; releases: number; ms: number };
  /** Reading the snippet of every indexed match of the subset's releases (all topics). */
  snippetSubset: { releases: number; matches: number; ms: number; perMatch_us: number };
  naiveProjectedMs: number;
  /** One plain `tokenize` pass over the same text (title, summary, every block). */
  tokenizeMs: number;
  ratioToTokenize: number;
  speedupVsNaive: number;
}

export interface MatchBenchOptions {
  topics?: number;
  releases?: number;
  naiveTopics?: number;
  naiveReleases?: number;
  samplePath?: string;
  seed?: number;
}

const KINDS = ["press-release", "speech", "news-story", "guidance"];
/** Function words nobody subscribes to; topic words come from the rest of the sample's vocabulary. */
const STOPWORDS = new Set(
  ("about after also been being both could does from have into just like made make many more most much must only " +
    "other over said same should some such than that their them then there these they this those through very were " +
    "what when where which while will with would your ours")
    .split(" "),
);

/** 10,000 generated topics against 10,000 releases recombined from the sample dump. Prints nothing. */
export async function benchMatch(options: MatchBenchOptions = {}): Promise<MatchBenchResult> {
  const nTopics = options.topics ?? 10_000;
  const nReleases = options.releases ?? 10_000;
  const naiveTopics = Math.min(options.naiveTopics ?? 1_000, nTopics);
  const naiveReleases = Math.min(options.naiveReleases ?? 500, nReleases);
  const random = createRandom(options.seed ?? 20231030);
  const sample = readSample(options.samplePath ?? findSample());
  const topics = Array.from({ length: nTopics }, (_, i) => ({ id: `t${i}`, query: generateQuery(sample, random) }));
  const releases = Array.from({ length: nReleases }, (_, i) => generateRelease(sample, random, i));

  // Warm the JIT on a slice so the first timed phase is not penalised.
  const warm = createTopicMatcher(topics.slice(0, 500));
  for (const r of releases.slice(0, 200)) {
    warm.match(r);
    tokenizeRelease(r);
  }

  collectGarbage();
  let t = performance.now();
  let tokens = 0;
  for (const r of releases) tokens += tokenizeRelease(r);
  const tokenizeMs = performance.now() - t;

  collectGarbage();
  t = performance.now();
  const matcher = createTopicMatcher(topics);
  const buildMs = performance.now() - t;

  collectGarbage();
  const subsetMatches: TopicMatch[][] = [];
  let matches = 0;
  t = performance.now();
  for (let i = 0; i < releases.length; i++) {
    const found = matcher.match(releases[i] as Release);
    matches += found.length;
    if (i < naiveReleases) subsetMatches.push(found);
  }
  const indexedMs = performance.now() - t;

  collectGarbage();
  let snippetMatches = 0;
  t = performance.now();
  for (const found of subsetMatches) for (const m of found) if (m.snippet) snippetMatches++;
  const snippetMs = performance.now() - t;

  const compiled = topics.slice(0, naiveTopics).map((topic) => ({ id: topic.id, query: compileQuery(topic.query) }));
  collectGarbage();
  const naiveSubset: string[][] = [];
  t = performance.now();
  for (const r of releases.slice(0, naiveReleases)) {
    const ids: string[] = [];
    for (const topic of compiled) if (topic.query.matches(r)) ids.push(topic.id);
    naiveSubset.push(ids);
  }
  const naiveMs = performance.now() - t;

  // Same topics, same snippets: the indexed matches of the subset topics against the naive loop.
  releases.slice(0, naiveReleases).forEach((r, i) => {
    const indexed = (subsetMatches[i] ?? []).filter((m) => Number(m.topicId.slice(1)) < naiveTopics);
    const naive = (naiveSubset[i] ?? []).map((id) => {
      const topic = compiled[Number(id.slice(1))];
      return JSON.stringify({ topicId: id, snippet: topic?.query.snippet(r) });
    });
    if (indexed.map((m) => JSON.stringify(m)).join("\n") !== naive.join("\n")) {
      throw new Error(`match bench: indexed and naive disagree on release ${i}`);
    }
  });
  if (tokens === 0) throw new Error("match bench: the sample produced no text");

  const naiveProjectedMs = naiveMs * (nTopics / naiveTopics) * (nReleases / naiveReleases);
  return {
    topics: nTopics,
    releases: nReleases,
    buildMs: round(buildMs),
    indexedMs: round(indexedMs),
    perRelease_us: round((indexedMs * 1000) / nReleases),
    matchesPerRelease: round(matches / nReleases),
    naiveSubset: { topics: naiveTopics, releases: naiveReleases, ms: round(naiveMs) },
    snippetSubset: {
      releases: naiveReleases,
      matches: snippetMatches,
      ms: round(snippetMs),
      perMatch_us: round((snippetMs * 1000) / Math.max(1, snippetMatches)),
    },
    naiveProjectedMs: round(naiveProjectedMs),
    tokenizeMs: round(tokenizeMs),
    ratioToTokenize: round(indexedMs / tokenizeMs),
    speedupVsNaive: round(naiveProjectedMs / indexedMs),
  };
}

interface Sample {
  titles: string[];
  paragraphs: string[];
  words: string[];
  bigrams: string[];
}

function findSample(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, "samples", "home-office-2023-10.txt");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error("match bench: samples/home-office-2023-10.txt not found above the bench directory");
}

/** Titles (bullet lines) and paragraphs (indented lines that are not a repeated title) of the dump. */
function readSample(path: string): Sample {
  const titles: string[] = [];
  const paragraphs: string[] = [];
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  for (const line of lines) {
    const bullet = /^\s*•\s*(?:[A-Z ]+:\s*)?(.*?)(?:\s*\[[^\]]*\])?\s*$/.exec(line);
    if (bullet) titles.push(bullet[1] as string);
    else if (/^ {4}\S/.test(line) && !/^ {4}[A-Z ]+ : /.test(line)) paragraphs.push(line.trim());
  }
  const words = new Set<string>();
  const bigrams = new Set<string>();
  for (const p of paragraphs) {
    const ws = p.toLowerCase().match(/[a-z][a-z’'-]*[a-z]/g) ?? [];
    ws.forEach((w, i) => {
      if (w.length >= 4 && !STOPWORDS.has(w)) words.add(w);
      const next = ws[i + 1];
      if (next && w.length >= 3 && next.length >= 3) bigrams.add(`${w} ${next}`);
    });
  }
  return { titles, paragraphs, words: [...words], bigrams: [...bigrams] };
}

function generateQuery(sample: Sample, random: () => number): string {
  const w = (): string => (random() < 0.8 ? pick(sample.words, random) : randomWord(random));
  const phrase = (): string => `"${pick(sample.bigrams, random)}"`;
  const r = random();
  if (r < 0.25) return w();
  if (r < 0.4) return phrase();
  if (r < 0.55) return `${w()} ${w()}`;
  if (r < 0.7) return `${w()} OR ${w()} OR ${phrase()}`;
  if (r < 0.8) return `${w()} -${w()}`;
  if (r < 0.88) return `(${w()} OR ${w()}) ${w()}`;
  if (r < 0.94) return random() < 0.5 ? `title:${w()}` : `title:${phrase()}`;
  if (r < 0.99) return `kind:${pick(KINDS, random)} ${w()}`;
  return `NOT ${w()}`;
}

function generateRelease(sample: Sample, random: () => number, i: number): Release {
  const paragraphs = Array.from({ length: 3 + Math.floor(random() * 8) }, () => pick(sample.paragraphs, random));
  const summary = (pick(sample.paragraphs, random).split(/(?<=[.!?])\s/)[0] ?? "").trim();
  return {
    id: `tag:pressroom.invalid,2023-10-30:bench/${i}`,
    title: pick(sample.titles, random),
    kind: pick(KINDS, random),
    department: "Home Office",
    date: "2023-10-30",
    summary,
    body: paragraphs.map((text) => ({ type: "paragraph" as const, text })),
  };
}

function tokenizeRelease(release: Release): number {
  let n = tokenize(release.title).length + tokenize(release.summary).length;
  for (const block of release.body) {
    if (block.type === "paragraph") n += tokenize(block.text).length;
    else for (const item of block.items) n += tokenize(item).length;
  }
  return n;
}

function randomWord(random: () => number): string {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  let out = "";
  for (let i = 0, n = 5 + Math.floor(random() * 5); i < n; i++) out += letters[Math.floor(random() * 26)];
  return out;
}

function pick<T>(items: readonly T[], random: () => number): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("match bench: the sample has too little text");
  return item;
}

/** mulberry32: small, seeded, good enough for generating bench data. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
