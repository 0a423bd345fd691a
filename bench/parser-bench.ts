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
export async function buildDumpOf(releases: number, firstCopy = 0, copiesPerMonth = 12): Promise<string> {
  const { head, blocks } = await readSample();
  const parts: string[] = [head];
  let left = releases;
  for (let copy = firstCopy; left > 0; copy++) {
    const take = blocks.slice(0, Math.min(left, blocks.length));
    parts.push(varySample(take.join(""), copy, Math.floor(copy / copiesPerMonth)));
    left -= take.length;
  }
  return parts.join("");
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
