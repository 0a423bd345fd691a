/**
 * Parser for UKPOL-style release dumps (see `samples/home-office-2023-10.txt`):
 *
 *     Tag: Home Office
 *
 *       • PRESS RELEASE : Title [October 2023]          ← header: exactly 2 spaces, a bullet
 *
 *         PRESS RELEASE : Title [October 2023]          ← repeated title (optional)
 *
 *         The press release issued by the Home Office on 30 October 2023.   ← date line
 *
 *         First paragraph (the summary).
 *
 *         • a list item                                 ← 4-space bullets are list items
 *
 * - title: the header without its `KIND : ` label and ` [Month Year]` suffix (only a real month is
 *   stripped, so `Policing: the [new] approach` keeps its brackets);
 * - kind: the label's slug; without a label, the date line's (`The speech made by …`), else `speech`
 *   for `Name – 2024 Speech on …`, else `press-release`;
 * - department: the organisation after `issued by`; for `made by <person>`, `options.department`
 *   (default `Home Office`);
 * - date: from the date line; without one (or with an impossible date), the 1st of the header's
 *   month with a warning; with neither, the block is skipped with a warning;
 * - summary: the first paragraph; body: every paragraph and list in order, the summary included.
 *
 * One pass over the text (plus two native regex scans for odd spacing); each block is finished when the next header (or the end) arrives.
 */
import type { Release } from "../core/release.js";
import { PressroomError } from "../core/errors.js";
import { addItem, addParagraph, continueItem, finishBlock, openBlock, type OpenBlock } from "./dump-block.js";
import { cleanSpan, createOddCharScanner, createSpaceRunScanner, hitsSpan, type SpanScanner } from "./dump-text.js";

export interface ParsedRelease {
  readonly release: Release;
  /** 1-based line of the `  • ` header. */
  readonly line: number;
}

export interface ParseDumpOptions {
  /** Department for releases whose date line names a person, not an organisation. Default `Home Office`. */
  readonly department?: string;
  /** Called about every megabyte of input with (characters done, characters total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ParseDumpResult {
  readonly releases: ParsedRelease[];
  /** `<file>:<line>: <reason>` for each block skipped or guessed at. */
  readonly warnings: string[];
}

const BULLET = 0x2022;
const PROGRESS_STEP = 1 << 20;
export const DUMP_HEADER_EXAMPLE = "  • PRESS RELEASE : Title [Month Year]";

function isBlankChar(code: number): boolean {
  return code === 32 || code === 9 || code === 0xa0 || code === 13;
}

/** Exactly two spaces, a bullet, then a space: a release header (deeper bullets are list items). */
function isHeaderAt(src: string, pos: number, end: number): boolean {
  return pos + 3 < end && src.charCodeAt(pos) === 32 && src.charCodeAt(pos + 1) === 32
    && src.charCodeAt(pos + 2) === BULLET && isBlankChar(src.charCodeAt(pos + 3));
}

/** The text of a line from `start` (blanks skipped) to `stop`, cleaned: a plain slice when it needs no cleaning. */
function keptText(src: string, start: number, stop: number, oddChars: SpanScanner, spaceRuns: SpanScanner): string {
  let at = start;
  while (at < stop && isBlankChar(src.charCodeAt(at))) at++;
  if (at >= stop) return "";
  const dirty = hitsSpan(oddChars, src, at, stop) || hitsSpan(spaceRuns, src, at, stop);
  return dirty ? cleanSpan(src, at, stop, oddChars, spaceRuns) : src.slice(at, stop);
}

function finishInto(out: ParseDumpResult, block: OpenBlock, file: string, department: string): void {
  const release = finishBlock(block, file, department, out.warnings);
  if (release) out.releases.push({ release, line: block.line });
}

/**
 * Parses a dump into releases, in file order. Blocks that cannot be parsed are skipped with a
 * `<file>:<line>: <reason>` warning. Throws `DUMP_EMPTY` when a non-blank text holds no release.
 */
export function parseDump(text: string, file: string, options: ParseDumpOptions = {}): ParseDumpResult {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out = parseDumpPiece(src, file, 1, options);
  options.onProgress?.(src.length, src.length);
  if (out.releases.length === 0 && src.trim() !== "") throw noReleaseFound(file, out.warnings);
  return out;
}

/** `DUMP_EMPTY` for a text that is not blank but holds no release header. */
export function noReleaseFound(file: string, warnings: readonly string[]): PressroomError {
  const skipped = warnings.length > 0 ? `; ${warnings.length} block(s) could not be parsed, first: ${warnings[0]}` : "";
  return new PressroomError("DUMP_EMPTY", `${file}: no release found (expected lines like ${JSON.stringify(DUMP_HEADER_EXAMPLE)})${skipped}`);
}

/**
 * Parses whole lines of a dump, the first of them line `firstLine` of the file. A piece that ends
 * just before a release header (see `lastHeaderStart`) holds only whole releases, so a dump read
 * piece by piece gives exactly what reading it whole gives.
 */
export function parseDumpPiece(src: string, file: string, firstLine: number, options: ParseDumpOptions = {}): ParseDumpResult {
  const out: ParseDumpResult = { releases: [], warnings: [] };
  const department = options.department ?? "Home Office";
  const total = src.length;
  const oddChars = createOddCharScanner();
  const spaceRuns = createSpaceRunScanner();
  const onProgress = options.onProgress;
  let nextProgress = PROGRESS_STEP;
  let lineNo = firstLine - 1;
  let block: OpenBlock | undefined = undefined;
  /** The paragraph being collected until a blank line ends it: its cleaned lines joined by spaces. */
  let para: string | undefined = undefined;
  /** The last line was a list item, which a following non-blank line continues. */
  let inItem = false;
  // Line by line with native `indexOf` for line ends and char codes; odd chars and space runs are
  // found by two whole-text regex scans consulted only for the text a line keeps, which is sliced
  // out (never copied) unless it needs cleaning.
  for (let pos = 0; pos <= total; ) {
    const lf = src.indexOf("\n", pos);
    const end = lf < 0 ? total : lf;
    const next = lf < 0 ? total + 1 : lf + 1;
    lineNo++;
    let stop = end;
    while (stop > pos && isBlankChar(src.charCodeAt(stop - 1))) stop--;
    if (isHeaderAt(src, pos, end)) {
      if (block) {
        if (para !== undefined) addParagraph(block, para);
        finishInto(out, block, file, department);
      }
      para = undefined;
      block = openBlock(lineNo, keptText(src, pos + 4, stop, oddChars, spaceRuns));
      inItem = false;
    } else if (block) {
      let at = pos;
      while (at < stop && isBlankChar(src.charCodeAt(at))) at++;
      if (at === stop) {
        if (para !== undefined) addParagraph(block, para);
        para = undefined;
        inItem = false;
      } else {
        const item = src.charCodeAt(at) === BULLET && at + 1 < stop && isBlankChar(src.charCodeAt(at + 1));
        if (item) {
          if (para !== undefined) addParagraph(block, para);
          para = undefined;
          at += 2;
          while (isBlankChar(src.charCodeAt(at))) at++;
        }
        const cleaned = keptText(src, at, stop, oddChars, spaceRuns);
        if (item || inItem) {
          if (item) inItem = cleaned !== "";
          if (cleaned !== "") {
            if (item) addItem(block, cleaned);
            else continueItem(block, cleaned);
          }
        } else if (cleaned !== "") {
          // Cleaning the lines one by one and joining them gives what cleaning the joined lines would.
          para = para === undefined ? cleaned : `${para} ${cleaned}`;
        }
      }
    }
    pos = next;
    if (onProgress && pos >= nextProgress) {
      onProgress(Math.min(pos, total), total);
      nextProgress = pos + PROGRESS_STEP;
    }
  }
  if (block) {
    if (para !== undefined) addParagraph(block, para);
    finishInto(out, block, file, department);
  }
  return out;
}
