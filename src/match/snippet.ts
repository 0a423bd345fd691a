import { type AnalyzedRelease, isInField, type SnippetWindow, sentencesOf } from "./analyze-release.js";
import { findLeafHit } from "./evaluate-query.js";
import { findSentence } from "./find-sentence.js";
import type { LeafNode, QueryNode } from "./query-node.js";

/** A sentence of the release with the matched words or phrases as [start, end) ranges into `text`. */
export interface Snippet {
  readonly text: string;
  readonly highlights: readonly (readonly [number, number])[];
}

export type TextLeaf = Exclude<LeafNode, { type: "kind" }>;

const MAX_LENGTH = 300;
const BEFORE_MATCH = 100;

/** The terms and phrases that count as hits: every one not under a NOT. */
export function collectPositiveLeaves(node: QueryNode, out: TextLeaf[] = []): TextLeaf[] {
  if (node.type === "term" || node.type === "phrase") out.push(node);
  else if (node.type === "and" || node.type === "or") for (const c of node.children) collectPositiveLeaves(c, out);
  return out;
}

/**
 * The sentence holding the first hit (title, then summary, then body) with every hit in it highlighted.
 * When nothing positive occurs in the text (`kind:speech`, `NOT x`), the summary's first sentence
 * (or the title) without highlights.
 */
export function buildSnippet(leaves: readonly TextLeaf[], analyzed: AnalyzedRelease): Snippet {
  let first: readonly [number, number] | undefined;
  for (const leaf of leaves) {
    const hit = findLeafHit(leaf, analyzed, true)[0];
    if (hit && (!first || hit[0] < first[0])) first = hit;
  }
  return buildSnippetAt(first, leaves, analyzed);
}

/** `buildSnippet` when the caller already knows the first hit ([first, last] positions) of the leaves. */
export function buildSnippetAt(
  first: readonly [number, number] | undefined,
  leaves: readonly TextLeaf[],
  analyzed: AnalyzedRelease,
): Snippet {
  if (!first) return leadSnippet(analyzed);
  const w = windowAt(analyzed, first);
  const { termAt, startAt, endAt } = analyzed;
  const ranges: [number, number][] = [];
  for (const leaf of leaves) {
    if (leaf.field && !isInField(analyzed, w.lo, leaf.field)) continue;
    const terms = leaf.type === "term" ? [leaf.term] : leaf.terms;
    for (let p = w.lo; p + terms.length - 1 <= w.hi; p++) {
      let ok = true;
      for (let i = 0; i < terms.length && ok; i++) ok = termAt[p + i] === terms[i];
      if (!ok) continue;
      const a = startAt[p] as number;
      const b = endAt[p + terms.length - 1] as number;
      if (a >= w.from && b <= w.to) ranges.push([a + w.shift, b + w.shift]);
    }
  }
  return { text: w.text, highlights: mergeRanges(ranges) };
}

/** The sentence around a first hit, cut to length; computed once per release and hit. */
function windowAt(analyzed: AnalyzedRelease, first: readonly [number, number]): SnippetWindow {
  const key = first[0] * 65536 + (first[1] - first[0]);
  const known = analyzed.windows.get(key);
  if (known) return known;
  const { segmentAt, startAt, endAt, termAt } = analyzed;
  const segment = segmentAt[first[0]] as number;
  const text = analyzed.segments[segment]?.text ?? "";
  const focus = startAt[first[0]] as number;
  const [start, end] = findSentence(sentencesOf(analyzed, segment), focus, endAt[first[1]] as number);
  // Positions of the sentence's words: a contiguous run around the first hit.
  let lo = first[0];
  while (lo > 0 && segmentAt[lo - 1] === segment && termAt[lo - 1] !== "" && (startAt[lo - 1] as number) >= start) lo--;
  let hi = first[1];
  while (segmentAt[hi + 1] === segment && termAt[hi + 1] !== "" && (endAt[hi + 1] as number) <= end) hi++;
  const window = { ...cut(text, start, end, focus), lo, hi };
  analyzed.windows.set(key, window);
  return window;
}

function leadSnippet(analyzed: AnalyzedRelease): Snippet {
  const segment = (analyzed.segments[1]?.text ?? "").trim() !== "" ? 1 : 0;
  const text = analyzed.segments[segment]?.text ?? "";
  const [start, end] = sentencesOf(analyzed, segment)[0] ?? [0, 0];
  return { text: cut(text, start, end, start).text, highlights: [] };
}

/** Cuts a long sentence to a window around the first hit, marking the cuts with `…`. */
function cut(text: string, start: number, end: number, focus: number): Omit<SnippetWindow, "lo" | "hi"> {
  let from = start;
  let to = end;
  if (end - start > MAX_LENGTH) {
    if (focus - BEFORE_MATCH > start) {
      from = text.indexOf(" ", focus - BEFORE_MATCH) + 1;
      if (from <= 0 || from > focus) from = focus;
    }
    if (from + MAX_LENGTH < end) {
      to = text.lastIndexOf(" ", from + MAX_LENGTH);
      if (to <= focus) to = from + MAX_LENGTH;
    }
  }
  const prefix = from > start ? "…" : "";
  const suffix = to < end ? "…" : "";
  return { text: prefix + text.slice(from, to) + suffix, from, to, shift: prefix.length - from };
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  if (ranges.length > 1) ranges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: [number, number][] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}
