import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { Release } from "../src/core/release.js";
import { compileQuery, createTopicMatcher, type TopicMatch, type TopicMatcher, tokenize } from "../src/match/index.js";

export interface MatchBenchResult {
  topics: number;
  releases: number;
  /** Building the topic index (parse + index), not included in `indexedMs`. */
  buildMs: number;
  /** Indexed matcher over every release (which topics match; snippets are built when read). */
  indexedMs: number;
  perRelease_us: number;
  matchesPerRelease: number;
  /** How specific the generated topics are, from the naive subset (exact per-topic counts). */
  selectivity: {
    /** Mean share of releases a topic matches, in % (`matchesPerRelease / topics`). */
    meanPct: number;
    medianPct: number;
    p90Pct: number;
    /** Share of topics matching at most 1% of releases, in %. */
    under1PctOfTopics: number;
    /** Share of topics matching no release of the subset, in %. */
    zeroPctOfTopics: number;
  };
  /** Every compiled query against every release (`matches()`), on a subset. */
  naiveSubset: { topics: number; releases: number; ms: number };
  /** Reading the snippet of every indexed match of the subset's releases (all topics). */
  snippetSubset: { releases: number; matches: number; ms: number; perMatch_us: number };
  naiveProjectedMs: number;
  /** One plain `tokenize` pass over the same text (title, summary, every block). */
  tokenizeMs: number;
  /** Median over the rounds of (indexed sweep ÷ tokenising pass of the same round). */
  ratioToTokenize: number;
  /** Lowest and highest round's ratio. */
  ratioRange: [number, number];
  /** Interleaved rounds (reference pass, then every matcher size) each median is taken over. */
  rounds: number;
  speedupVsNaive: number;
  /** Per-release cost as topics grow (prefixes of the same topic list, over the same releases). */
  scaling: {
    indexed: { topics: number; buildMs: number; perRelease_us: number; matchesPerRelease: number }[];
    /** Measured at `naiveSubset.topics`, extrapolated linearly in the number of topics beyond. */
    naive: { topics: number; perRelease_us: number; measured: boolean }[];
    /** Per-release time at the largest size ÷ at the smallest. */
    indexedGrowth: number;
    naiveGrowth: number;
    /** Naive at the largest size actually run on a few releases, to check the linear extrapolation. */
    naiveCheck: { topics: number; releases: number; perRelease_us: number };
  };
}

export interface MatchBenchOptions {
  topics?: number;
  releases?: number;
  /** Topic counts of the scaling figure; the last should be `topics`. */
  scaleTopics?: number[];
  naiveTopics?: number;
  naiveReleases?: number;
  naiveCheckReleases?: number;
  /** Interleaved rounds; each timed figure is the median of its rounds (the naive loop: the best). */
  repeats?: number;
  samplePath?: string;
  seed?: number;
}

const KINDS = ["press-release", "speech", "news-story", "guidance"];
/** Function words nobody subscribes to; topic words come from the rest of the corpus vocabulary. */
const STOPWORDS = new Set(
  ("about after also been being both could does from have into just like made make many more most much must only " +
    "other over said same should some such than that their them then there these they this those through very were " +
    "what when where which while will with would your ours across because before between during each every here " +
    "including last need next often since still take taken today under until upon whilst within without work " +
    "year years people government home office secretary minister department week month well able want know " +
    "really thank going help back even first things thing good great " +
    "the and for are but not you all any can had her was one our out new now how who its has his him she too")
    .split(" "),
);
/** Zipf–Mandelbrot weight 1 / (rank + Q)^S over words ranked by how many releases hold them. */
const ZIPF_S = 1;
const ZIPF_Q = 50;
/** Words in more than this share of releases are too generic to be a topic on their own. */
const MAX_WORD_SHARE = 0.1;

/**
 * 10,000 generated topics against 10,000 releases recombined from the sample dump, plus a scaling
 * figure (1k, 3k, 10k topics over the same releases). Prints nothing. Every timed figure of the
 * matcher and the tokenising pass is the median of `repeats` interleaved rounds; the naive loop's is
 * the best of `repeats` runs.
 *
 * Topics look like real alert topics: mostly specific (AND of two or three terms, a phrase and a term,
 * `title:` scopes, some OR groups and exclusions, a few lone words and phrases), with words drawn
 * Zipf-like over the vocabulary of the generated releases: ranked by how many releases hold them, so
 * common subject words are popular topics, with a long tail; words in over 10% of releases are too
 * generic to subscribe to. The corpus sets a floor: each sample paragraph recurs in ~3% of releases
 * and there are only 21 titles, so a lone word or phrase matches ≥ ~2% and `title:x` ≥ ~5%.
 */
export async function benchMatch(options: MatchBenchOptions = {}): Promise<MatchBenchResult> {
  const nTopics = options.topics ?? 10_000;
  const nReleases = options.releases ?? 10_000;
  const scaleTopics = (options.scaleTopics ?? [1_000, 3_000, nTopics]).filter((n) => n <= nTopics);
  const naiveTopics = Math.min(options.naiveTopics ?? 1_000, nTopics);
  const naiveReleases = Math.min(options.naiveReleases ?? 500, nReleases);
  const naiveCheckReleases = Math.min(options.naiveCheckReleases ?? 50, nReleases);
  const repeats = Math.max(1, options.repeats ?? 7);
  const { releases, topics } = makeMatchWorkload(options);

  // Warm the tokeniser so the first timed phase is not penalised. (Not the matcher: a small warm-up matcher
  // skews what the JIT learns; the interleaved repeats below warm the real ones.)
  for (const r of releases.slice(0, 200)) tokenizeRelease(r);

  // Rounds interleave the reference pass and every matcher size, and each figure is the median of its
  // rounds (the headline ratio is the median of the rounds' own ratios): the machine is shared, and a
  // noisy round should move one sample, not decide the figure.
  const sizes = [...new Set([...scaleTopics, nTopics])].sort((a, b) => a - b);
  const built = sizes.map((size) => {
    collectGarbage();
    const start = performance.now();
    const matcher = createTopicMatcher(topics.slice(0, size));
    return { size, matcher, buildMs: performance.now() - start, runs: [] as Sweep[] };
  });
  const tokenizeRuns: number[] = [];
  for (let rep = 0; rep < repeats; rep++) {
    collectGarbage();
    const start = performance.now();
    let tokens = 0;
    for (const r of releases) tokens += tokenizeRelease(r);
    tokenizeRuns.push(performance.now() - start);
    if (tokens === 0) throw new Error("match bench: the sample produced no text");
    for (const entry of built) entry.runs.push(sweepIndexed(entry.matcher, releases));
  }
  const tokenizeMs = median(tokenizeRuns);
  const fullRuns = (built[built.length - 1] as (typeof built)[number]).runs;
  const ratios = fullRuns.map((sweep, rep) => sweep.ms / (tokenizeRuns[rep] as number));
  const medianSweep = (runs: readonly Sweep[]): Sweep => ({ ms: median(runs.map((r) => r.ms)), matches: (runs[0] as Sweep).matches });
  const builtSweeps = built.map(({ size, matcher, buildMs, runs }) => ({ size, matcher, buildMs, best: medianSweep(runs) }));
  const sweeps = builtSweeps.map(({ size, matcher, buildMs, best }) => ({ size, matcher, buildMs, sweep: best }));
  const full = sweeps[sweeps.length - 1] as (typeof sweeps)[number];
  const scaling = sweeps
    .filter(({ size }) => scaleTopics.includes(size))
    .map(({ size, buildMs, sweep }) => ({
      topics: size,
      buildMs: round(buildMs),
      perRelease_us: round((sweep.ms * 1000) / nReleases),
      matchesPerRelease: round(sweep.matches / nReleases),
    }));
  const buildMs = full.buildMs;
  const indexedMs = full.sweep.ms;
  // Matches of the subset's releases, outside the timed sweeps (keeping them there costs GC time).
  const subsetMatches = releases.slice(0, naiveReleases).map((r) => full.matcher.match(r));

  collectGarbage();
  let snippetMatches = 0;
  const t = performance.now();
  for (const found of subsetMatches) for (const m of found) if (m.snippet) snippetMatches++;
  const snippetMs = performance.now() - t;

  const compiled = topics.map((topic) => ({ id: topic.id, query: compileQuery(topic.query) }));
  // Naive: the first topics on the subset, and every topic on a few other releases (checks the extrapolation).
  const checkReleases = releases.slice(naiveReleases, naiveReleases + naiveCheckReleases);
  let naive = sweepNaive(compiled.slice(0, naiveTopics), releases.slice(0, naiveReleases));
  let check = sweepNaive(compiled, checkReleases);
  for (let rep = 1; rep < repeats; rep++) {
    const again = sweepNaive(compiled.slice(0, naiveTopics), releases.slice(0, naiveReleases));
    if (again.ms < naive.ms) naive = again;
    const checkAgain = sweepNaive(compiled, checkReleases);
    if (checkAgain.ms < check.ms) check = checkAgain;
  }
  checkAgreement(releases.slice(0, naiveReleases), subsetMatches, naive.ids, compiled, naiveTopics);
  const checkMatches = checkReleases.map((r) => full.matcher.match(r));
  checkAgreement(checkReleases, checkMatches, check.ids, compiled, nTopics);

  const naivePerRelease = (naive.ms * 1000) / naiveReleases;
  const naiveProjectedMs = naive.ms * (nTopics / naiveTopics) * (nReleases / naiveReleases);
  const first = scaling[0];
  const last = scaling[scaling.length - 1];
  const naiveScaling = scaleTopics.map((size) => ({
    topics: size,
    perRelease_us: round((naivePerRelease * size) / naiveTopics),
    measured: size === naiveTopics,
  }));
  return {
    topics: nTopics,
    releases: nReleases,
    buildMs: round(buildMs),
    indexedMs: round(indexedMs),
    perRelease_us: round((indexedMs * 1000) / nReleases),
    matchesPerRelease: round(full.sweep.matches / nReleases),
    selectivity: measureSelectivity(naive.ids, naiveTopics, naiveReleases, full.sweep.matches / nReleases / nTopics),
    naiveSubset: { topics: naiveTopics, releases: naiveReleases, ms: round(naive.ms) },
    snippetSubset: {
      releases: subsetMatches.length,
      matches: snippetMatches,
      ms: round(snippetMs),
      perMatch_us: round((snippetMs * 1000) / Math.max(1, snippetMatches)),
    },
    naiveProjectedMs: round(naiveProjectedMs),
    tokenizeMs: round(tokenizeMs),
    ratioToTokenize: round(median(ratios)),
    ratioRange: [round(Math.min(...ratios)), round(Math.max(...ratios))],
    rounds: repeats,
    speedupVsNaive: round(naiveProjectedMs / indexedMs),
    scaling: {
      indexed: scaling,
      naive: naiveScaling,
      indexedGrowth: first && last ? round(last.perRelease_us / first.perRelease_us) : 1,
      naiveGrowth: round((naiveScaling[naiveScaling.length - 1]?.perRelease_us ?? 1) / (naiveScaling[0]?.perRelease_us ?? 1)),
      naiveCheck: {
        topics: nTopics,
        releases: checkReleases.length,
        perRelease_us: round((check.ms * 1000) / Math.max(1, checkReleases.length)),
      },
    },
  };
}

/** The bench's generated releases and topics (also for profiling the matcher outside the bench). */
export function makeMatchWorkload(options: MatchBenchOptions = {}): { releases: Release[]; topics: { id: string; query: string }[] } {
  const nTopics = options.topics ?? 10_000;
  const nReleases = options.releases ?? 10_000;
  const seed = options.seed ?? 20231030;
  const sample = readSample(options.samplePath ?? findSample());
  const releaseRandom = createRandom(seed);
  const releases = Array.from({ length: nReleases }, (_, i) => generateRelease(sample, releaseRandom, i));
  const vocabulary = collectVocabulary(releases);
  const topicRandom = createRandom(seed ^ 0x5bd1e995);
  const topics = Array.from({ length: nTopics }, (_, i) => ({ id: `t${i}`, query: generateQuery(vocabulary, topicRandom) }));
  return { releases, topics };
}

interface Sweep {
  ms: number;
  matches: number;
}

function sweepIndexed(matcher: TopicMatcher, releases: readonly Release[]): Sweep {
  let matches = 0;
  collectGarbage();
  const t = performance.now();
  for (const release of releases) matches += matcher.match(release).length;
  return { ms: performance.now() - t, matches };
}

type Compiled = { id: string; query: ReturnType<typeof compileQuery> };

/** Every compiled query against every release; ids of the matching topics per release. */
function sweepNaive(compiled: readonly Compiled[], releases: readonly Release[]): { ms: number; ids: string[][] } {
  const ids: string[][] = [];
  collectGarbage();
  const t = performance.now();
  for (const r of releases) {
    const found: string[] = [];
    for (const topic of compiled) if (topic.query.matches(r)) found.push(topic.id);
    ids.push(found);
  }
  return { ms: performance.now() - t, ids };
}

/** Same topics, same snippets: the indexed matches of the subset topics against the naive loop. */
function checkAgreement(
  releases: readonly Release[],
  indexed: readonly TopicMatch[][],
  naive: readonly string[][],
  compiled: readonly Compiled[],
  naiveTopics: number,
): void {
  releases.forEach((r, i) => {
    const got = (indexed[i] ?? []).filter((m) => Number(m.topicId.slice(1)) < naiveTopics);
    const want = (naive[i] ?? []).map((id) => {
      const topic = compiled[Number(id.slice(1))];
      return JSON.stringify({ topicId: id, snippet: topic?.query.snippet(r) });
    });
    if (got.map((m) => JSON.stringify(m)).join("\n") !== want.join("\n")) {
      throw new Error(`match bench: indexed and naive disagree on release ${i}`);
    }
  });
}

function measureSelectivity(
  ids: readonly string[][],
  nTopics: number,
  nReleases: number,
  meanShare: number,
): MatchBenchResult["selectivity"] {
  const counts = new Array<number>(nTopics).fill(0);
  for (const list of ids) for (const id of list) counts[Number(id.slice(1))]! += 1;
  const shares = counts.map((c) => (100 * c) / Math.max(1, nReleases)).sort((a, b) => a - b);
  const at = (q: number): number => shares[Math.min(shares.length - 1, Math.floor(q * shares.length))] ?? 0;
  return {
    meanPct: round(100 * meanShare),
    medianPct: round(at(0.5)),
    p90Pct: round(at(0.9)),
    under1PctOfTopics: round((100 * shares.filter((s) => s <= 1).length) / Math.max(1, nTopics)),
    zeroPctOfTopics: round((100 * shares.filter((s) => s === 0).length) / Math.max(1, nTopics)),
  };
}

interface Sample {
  titles: string[];
  paragraphs: string[];
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
  return { titles, paragraphs };
}

/** Words or phrases as typed in a query, most common first, with cumulative Zipf weights for drawing. */
interface Ranked {
  readonly items: readonly string[];
  readonly cumulative: Float64Array;
}

interface Vocabulary {
  readonly words: Ranked;
  readonly phrases: Ranked;
  readonly titleWords: Ranked;
}

/** Terms and two-word phrases of the generated releases, ranked by how many releases hold them. */
function collectVocabulary(releases: readonly Release[]): Vocabulary {
  const perText = new Map<string, { words: [string, string][]; phrases: [string, string][] }>();
  const wordDf = new Map<string, number>();
  const phraseDf = new Map<string, number>();
  const titleDf = new Map<string, number>();
  const surface = new Map<string, string>();
  const count = (df: Map<string, number>, keys: Set<string>): void => {
    for (const key of keys) df.set(key, (df.get(key) ?? 0) + 1);
  };
  for (const release of releases) {
    const words = new Set<string>();
    const phrases = new Set<string>();
    const texts = [release.title, release.summary, ...release.body.flatMap((b) => (b.type === "paragraph" ? [b.text] : b.items))];
    texts.forEach((text, i) => {
      let parts = perText.get(text);
      if (!parts) {
        parts = splitText(text);
        perText.set(text, parts);
      }
      for (const [term, typed] of parts.words) {
        words.add(term);
        if (!surface.has(term)) surface.set(term, typed);
      }
      for (const [key, typed] of parts.phrases) {
        phrases.add(key);
        if (!surface.has(key)) surface.set(key, typed);
      }
      if (i === 0) count(titleDf, new Set(parts.words.map(([term]) => term)));
    });
    count(wordDf, words);
    count(phraseDf, phrases);
  }
  const maxDf = MAX_WORD_SHARE * releases.length;
  const rank = (df: Map<string, number>): Ranked => {
    const keys = [...df].filter(([, n]) => n <= maxDf).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const cumulative = new Float64Array(keys.length);
    let sum = 0;
    keys.forEach((_, r) => {
      sum += 1 / (r + 1 + ZIPF_Q) ** ZIPF_S;
      cumulative[r] = sum;
    });
    return { items: keys.map(([key]) => surface.get(key) as string), cumulative };
  };
  return { words: rank(wordDf), phrases: rank(phraseDf), titleWords: rank(titleDf) };
}

/** Content words (term and typed form) and adjacent content-word pairs of one text. */
function splitText(text: string): { words: [string, string][]; phrases: [string, string][] } {
  const words: [string, string][] = [];
  const phrases: [string, string][] = [];
  let previous: { term: string; typed: string; end: number } | undefined;
  for (const token of tokenize(text)) {
    const typed = text.slice(token.start, token.end).toLowerCase();
    const content = /^[a-z]{3,}$/.test(typed) && !STOPWORDS.has(typed);
    if (content && typed.length >= 4) words.push([token.term, typed]);
    if (content && previous && /^[ -]$/.test(text.slice(previous.end, token.start))) {
      phrases.push([`${previous.term} ${token.term}`, `${previous.typed} ${typed}`]);
    }
    previous = content ? { term: token.term, typed, end: token.end } : undefined;
  }
  return { words, phrases };
}

/** Mostly specific topics: ANDs, a phrase and a term, `title:` scopes; some single words, phrases, ORs and exclusions. */
function generateQuery(vocabulary: Vocabulary, random: () => number): string {
  const p = (): string => `"${drawZipf(vocabulary.phrases, random)}"`;
  const tw = (): string => drawZipf(vocabulary.titleWords, random);
  /** `n` distinct words. */
  const ws = (n: number): string[] => {
    const out: string[] = [];
    while (out.length < n) {
      const word = drawZipf(vocabulary.words, random);
      if (!out.includes(word)) out.push(word);
    }
    return out;
  };
  const r = random();
  if (r < 0.06) return ws(1).join(""); // asylum
  if (r < 0.18) return p(); // "facial recognition"
  if (r < 0.48) return ws(2).join(random() < 0.5 ? " AND " : " "); // asylum AND hotels
  if (r < 0.62) return `${p()} ${ws(1).join("")}`; // "small boats" france
  if (r < 0.7) return ws(3).join(" ");
  if (r < 0.78) {
    const [a, b, c] = ws(3);
    return random() < 0.5 ? `(${a} OR ${b}) ${c}` : `(${p()} OR ${p()}) ${a}`;
  }
  if (r < 0.86) {
    const [a, b, c] = ws(3);
    return random() < 0.5 ? `${a} ${b} -${c}` : `${p()} ${a} NOT ${b}`; // police custody -scotland
  }
  if (r < 0.96) {
    const s = random();
    if (s < 0.3) return `title:${tw()}`; // title:fraud
    if (s < 0.8) return `title:${tw()} ${ws(1).join("")}`;
    return `title:(${tw()} OR ${tw()}) ${p()}`;
  }
  return `kind:${pick(KINDS, random)} ${ws(1).join("")}`;
}

function drawZipf(ranked: Ranked, random: () => number): string {
  const total = ranked.cumulative[ranked.cumulative.length - 1];
  if (total === undefined) throw new Error("match bench: the sample has too little text");
  const u = random() * total;
  let lo = 0;
  let hi = ranked.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ranked.cumulative[mid] as number) < u) lo = mid + 1;
    else hi = mid;
  }
  return ranked.items[lo] as string;
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
