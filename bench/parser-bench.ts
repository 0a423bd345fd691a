/**
 * Parser throughput: `parseDump` on a synthetic dump of at least 50 MB built from the bundled
 * sample (varied titles and dates), against a bare `split(/\r?\n/)` + loop over the same text.
 * Best of 5 interleaved runs each, after a warm-up. Prints nothing: the bench runner formats the figures.
 */
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { parseDump } from "../src/sources/dump-parse.js";

const MIN_BYTES = 50 * 1024 * 1024;
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

export interface ParserBenchResult {
  /** Parser throughput, MB (2^20 bytes) per second. */
  readonly parserMBps: number;
  /** Bare line-split throughput over the same text. */
  readonly bareMBps: number;
  /** bareMBps / parserMBps: how many times slower the parser is (target ≤ 3). */
  readonly ratio: number;
  readonly sizeMB: number;
  readonly releases: number;
}

/** One copy of the sample with its own titles and month, so ids and dates differ between copies. */
function varySample(sample: string, copy: number, monthIndex = copy): string {
  const month = MONTHS[monthIndex % 12]!;
  const year = 2000 + (Math.floor(monthIndex / 12) % 40);
  return sample
    .replace(/PRESS RELEASE : /g, `PRESS RELEASE : ${copy} `)
    .replace(/on (\d{1,2}) October 2023\./g, (_m, day: string) => `on ${Math.min(Number(day), 28)} ${month} ${year}.`)
    .replace(/\[October 2023\]/g, `[${month} ${year}]`);
}

async function readSample(): Promise<{ head: string; blocks: string[] }> {
  const sample = await readFile(new URL("../../samples/home-office-2023-10.txt", import.meta.url), "utf8")
    .catch(() => readFile(new URL("../samples/home-office-2023-10.txt", import.meta.url), "utf8"));
  const [head, ...rest] = sample.split(/(?=^ {2}• )/m);
  const last = rest.length - 1;
  if (last >= 0 && !rest[last]!.endsWith("\n\n")) rest[last] = rest[last]!.endsWith("\n") ? `${rest[last]}\n` : `${rest[last]}\n\n`;
  return { head: head ?? "", blocks: rest };
}

export async function buildSyntheticDump(minBytes = MIN_BYTES): Promise<string> {
  const { head, blocks: list } = await readSample();
  const blocks = list.join("");
  const parts: string[] = [head];
  let bytes = Buffer.byteLength(parts[0]!);
  for (let copy = 0; bytes < minBytes; copy++) {
    const part = varySample(blocks, copy);
    parts.push(part);
    bytes += Buffer.byteLength(part);
  }
  return parts.join("");
}

/**
 * A synthetic dump of exactly `releases` release blocks, built like `buildSyntheticDump` (copies of
 * the sample with their own titles) from copy `firstCopy` on, so dumps built with different
 * `firstCopy` ranges hold different releases. Chronological like a real archive: `copiesPerMonth`
 * copies of the sample's 10 releases share a month (12: 120 a month, the Home Office's ~1,400 a year).
 */
export async function buildDumpOf(releases: number, firstCopy = 0, copiesPerMonth = 12, vocabulary: "sample" | "wide" = "wide"): Promise<string> {
  const { head, blocks } = await readSample();
  const parts: string[] = [head];
  let left = releases;
  for (let copy = firstCopy; left > 0; copy++) {
    const take = blocks.slice(0, Math.min(left, blocks.length));
    const text = varySample(take.join(""), copy, Math.floor(copy / copiesPerMonth));
    parts.push(vocabulary === "wide" ? widenVocabulary(text, copy) : text);
    left -= take.length;
  }
  return parts.join("");
}

const SUFFIXES = "abcdefghijklmnopqrstuvwx";

/**
 * Copies of one sample repeat its words and word pairs: the search index of 20,000 such releases
 * holds a few thousand words and about 4 new pairs a release, where real releases bring hundreds.
 * This gives half the body words of four letters or more one of 24 suffixes (deterministically, by
 * copy), so words and pairs repeat about as rarely as in real text: 2,000 releases hold about 50,000
 * distinct words of four letters or more, against 2,000 in plain copies. Headers, date lines and
 * titles are left as they are.
 */
function widenVocabulary(text: string, copy: number): string {
  let seed = (copy * 2654435761 + 12345) >>> 0;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  let afterHeader = false;
  return text
    .split("\n")
    .map((line) => {
      const header = line.includes("PRESS RELEASE :");
      // The header, the title repeated on the line after it, blank and date lines stay as they are.
      const keep = header || (afterHeader && line.trim() !== "") || line.trim() === "" || line.startsWith("The press release issued") || line.startsWith("Tag:");
      if (header) afterHeader = true;
      else if (line.trim() !== "") afterHeader = false;
      if (keep) return line;
      return line.replace(/[A-Za-z]{4,}/g, (word) => (random() < 0.5 ? `${word}x${SUFFIXES[Math.floor(random() * 24)]}` : word));
    })
    .join("\n");
}

/** Release blocks in one copy of the sample. */
export async function sampleReleases(): Promise<number> {
  return (await readSample()).blocks.length;
}

let sink = 0;

function barePass(text: string): number {
  const lines = text.split(/\r?\n/);
  let n = 0;
  for (const line of lines) n += line.length;
  return n;
}

const ROUNDS = 5;

async function timeOnce(run: () => void): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((done) => setImmediate(done));
  const start = performance.now();
  run();
  return (performance.now() - start) / 1000;
}

/**
 * Best of ROUNDS for each side, the two runs interleaved (A B A B …) after one untimed warm-up of
 * each, with a GC before every timed run: on a shared machine a busy spell then hits both sides
 * alike instead of whichever happened to run during it.
 */
async function bestOfInterleaved(a: () => void, b: () => void): Promise<[number, number]> {
  a();
  b();
  let bestA = Number.POSITIVE_INFINITY;
  let bestB = Number.POSITIVE_INFINITY;
  for (let i = 0; i < ROUNDS; i++) {
    bestA = Math.min(bestA, await timeOnce(a));
    bestB = Math.min(bestB, await timeOnce(b));
  }
  return [bestA, bestB];
}

export async function benchParser(): Promise<ParserBenchResult> {
  const text = await buildSyntheticDump();
  const sizeMB = Buffer.byteLength(text) / (1024 * 1024);
  let releases = 0;
  const [parserSeconds, bareSeconds] = await bestOfInterleaved(
    () => { releases = parseDump(text, "synthetic.txt").releases.length; },
    () => { sink += barePass(text); },
  );
  const parserMBps = sizeMB / parserSeconds;
  const bareMBps = sizeMB / bareSeconds;
  return { parserMBps, bareMBps, ratio: bareMBps / parserMBps, sizeMB, releases };
}
