import type { Release } from "../core/release.js";
import type { TextField } from "./query-node.js";
import { splitSentences } from "./find-sentence.js";
import { scanTokens, tokenize } from "./tokenize.js";

/** One piece of release text: the title, the summary, a body paragraph or a list item. */
export interface Segment {
  readonly field: TextField;
  readonly text: string;
}

/**
 * A release tokenised once, for every query to evaluate against. Title, summary and body share one
 * position space, in that order, with an empty slot between segments so a phrase never spans two.
 */
export interface AnalyzedRelease {
  /** The release kind's terms joined by spaces: `news-story` → `news story`. */
  readonly kind: string;
  readonly segments: readonly Segment[];
  /** Term → its positions, ascending. */
  readonly positions: ReadonlyMap<string, readonly number[]>;
  /** By position: the term (`""` in the slots between segments), its segment and its offsets in that segment. */
  readonly termAt: readonly string[];
  readonly segmentAt: readonly number[];
  readonly startAt: readonly number[];
  readonly endAt: readonly number[];
  /** Exclusive end positions: title is [0, titleEnd), summary [titleEnd, summaryEnd), body the rest. */
  readonly titleEnd: number;
  readonly summaryEnd: number;
  /** Sentences of each segment, filled in on first use (snippets only). */
  readonly sentences: ([number, number][] | undefined)[];
  /** Snippet windows already cut, by first hit (see `snippet.ts`). */
  readonly windows: Map<number, SnippetWindow>;
}

/** The sentence around a first hit, cut to length: its text, its word positions and how offsets shift. */
export interface SnippetWindow {
  readonly text: string;
  /** First and last word positions inside the sentence. */
  readonly lo: number;
  readonly hi: number;
  /** Segment offsets kept, [from, to), and the shift from segment offsets to `text` offsets. */
  readonly from: number;
  readonly to: number;
  readonly shift: number;
}

export function analyzeRelease(release: Release): AnalyzedRelease {
  const segments: Segment[] = [{ field: "title", text: release.title }, { field: "summary", text: release.summary }];
  for (const block of release.body) {
    if (block.type === "paragraph") segments.push({ field: "body", text: block.text });
    else for (const item of block.items) segments.push({ field: "body", text: item });
  }
  const positions = new Map<string, number[]>();
  const termAt: string[] = [];
  const segmentAt: number[] = [];
  const startAt: number[] = [];
  const endAt: number[] = [];
  let titleEnd = 0;
  let summaryEnd = 0;
  segments.forEach((segment, index) => {
    scanTokens(segment.text, (term, start, end) => {
      const list = positions.get(term);
      if (list) list.push(termAt.length);
      else positions.set(term, [termAt.length]);
      termAt.push(term);
      segmentAt.push(index);
      startAt.push(start);
      endAt.push(end);
    });
    termAt.push("");
    segmentAt.push(index);
    startAt.push(segment.text.length);
    endAt.push(segment.text.length);
    if (index === 0) titleEnd = termAt.length;
    if (index === 1) summaryEnd = termAt.length;
  });
  const kind = tokenize(release.kind).map((t) => t.term).join(" ");
  const sentences = segments.map(() => undefined);
  const windows = new Map<number, SnippetWindow>();
  return { kind, segments, positions, termAt, segmentAt, startAt, endAt, titleEnd, summaryEnd, sentences, windows };
}

/** The sentences of one segment, split once per release. */
export function sentencesOf(analyzed: AnalyzedRelease, segment: number): readonly [number, number][] {
  let list = analyzed.sentences[segment];
  if (!list) {
    list = splitSentences(analyzed.segments[segment]?.text ?? "");
    analyzed.sentences[segment] = list;
  }
  return list;
}

export function isInField(analyzed: AnalyzedRelease, position: number, field: TextField): boolean {
  if (field === "title") return position < analyzed.titleEnd;
  if (field === "summary") return position >= analyzed.titleEnd && position < analyzed.summaryEnd;
  return position >= analyzed.summaryEnd;
}
