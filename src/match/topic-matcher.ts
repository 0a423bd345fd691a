import type { Release } from "../core/release.js";
import { PressroomError } from "../core/errors.js";
import { type AnalyzedRelease, analyzeRelease } from "./analyze-release.js";
import { parseQuery } from "./parse-query.js";
import type { QueryNode } from "./query-node.js";
import { buildSnippetAt, collectPositiveLeaves, type Snippet, type TextLeaf } from "./snippet.js";
import { evaluateTopicTree, LeafTable, type TopicTree, toTopicTree } from "./topic-tree.js";
import { ReleaseTerms } from "./release-terms.js";
import { tokenize } from "./tokenize.js";
import { findTriggerClauses, kindKey } from "./trigger-keys.js";

export interface TopicMatch {
  readonly topicId: string;
  /** Built on first read (most callers need one snippet per subscriber, not per topic), then kept. */
  readonly snippet: Snippet;
}

export interface TopicMatcher {
  readonly size: number;
  /** Topics whose query matches the release, in the order they were given. */
  match(release: Release): TopicMatch[];
}

/** Lists of numbers packed end to end in one typed array, list `i` at `start[i]` for `length[i]`. */
class PackedLists {
  readonly start: Int32Array;
  readonly length: Int32Array;
  readonly items: Int32Array;
  constructor(lists: readonly (readonly number[] | undefined)[]) {
    this.start = new Int32Array(lists.length);
    this.length = new Int32Array(lists.length);
    let total = 0;
    lists.forEach((list, i) => {
      this.start[i] = total;
      this.length[i] = list?.length ?? 0;
      total += list?.length ?? 0;
    });
    this.items = new Int32Array(total);
    lists.forEach((list, i) => this.items.set(list ?? [], this.start[i]));
  }
}

/**
 * Matches many topics against one release at a time with an inverted index: each topic is filed
 * under the keys of its cheapest trigger clause (see `findTriggerClauses`), the release is read
 * once for the terms the topics use (`ReleaseTerms`: every other word is skipped), and only topics
 * for which the release holds a key of that clause and of its second clause, if any (plus topics
 * with no trigger, like `NOT x`), are evaluated. Terms, kind keys and phrases are numbered when the
 * matcher is built and what a release is matched against is kept in typed arrays, so matching is
 * array look-ups in topic order; terms and phrases shared by topics are looked up once per
 * release. A topic that is one term or phrase, or an AND of them, is checked without walking its
 * query tree. A match's snippet needs the release's full analysis, made when the first is read.
 * Throws `QUERY_INVALID` naming the first topic whose query does not parse.
 */
export function createTopicMatcher(topics: readonly { id: string; query: string }[]): TopicMatcher {
  const table = new LeafTable();
  /** Every term and kind key a topic uses, numbered. */
  const vocabulary = new Map<string, number>();
  const idOf = (key: string): number => {
    let id = vocabulary.get(key);
    if (id === undefined) {
      id = vocabulary.size;
      vocabulary.set(key, id);
    }
    return id;
  };
  const ids: string[] = [];
  /** Per topic: its query tree, or undefined when `clauses` says it. */
  const trees: (TopicTree | undefined)[] = [];
  /** Per topic, when its query is an AND of ORs of terms, phrases and their negations: the ORs' literal lists. */
  const clauseLists: (number[] | undefined)[] = [];
  const literalLists: number[][] = [];
  /** Ids of the terms and phrases not under a NOT: they are what a snippet highlights. */
  const positive: number[][] = [];
  const positiveLeaves: (readonly TextLeaf[])[] = [];
  /** Key → topics filed under it (ascending): a key of the topic's first (cheapest) trigger clause. */
  const index: number[][] = [];
  /**
   * Per topic, the keys of its further trigger clause (one of which the release must also hold), or
   * none. Checked by look-up on candidates rather than filed: a further clause is usually a common
   * word whose long list would be walked for every release that holds it.
   */
  const further: (number[] | undefined)[] = [];
  const always: number[] = [];
  topics.forEach((topic, i) => {
    const ast = parseTopic(topic);
    ids.push(topic.id);
    const leafIds = [...new Set(collectPositiveLeaves(ast).map((leaf) => table.idOf(leaf)))];
    positive.push(leafIds);
    positiveLeaves.push(leafIds.map((id) => table.leaves[id] as TextLeaf));
    const tree = toTopicTree(ast, table);
    const clauses = toClauses(tree);
    trees.push(clauses ? undefined : tree);
    clauseLists.push(clauses?.map((literals) => literalLists.push(literals) - 1));
    const triggers = findTriggerClauses(ast, 2);
    if (!triggers) always.push(i);
    else {
      for (const key of new Set(triggers[0])) (index[idOf(key)] ??= []).push(i);
      const second = triggers[1];
      if (second) further[i] = [...new Set(second)].map(idOf);
    }
  });
  const leaves = table.leaves;
  /** Per leaf, its terms' vocabulary ids. */
  const leafTerms = leaves.map((leaf) => Int32Array.from(leaf.type === "term" ? [leaf.term] : leaf.terms, idOf));
  const postings = index.map((list) => Int32Array.from(list));
  const furtherKeys = new PackedLists(further);
  const clauses = new PackedLists(clauseLists);
  const literals = new PackedLists(literalLists);
  const positives = new PackedLists(positive);
  const count = ids.length;
  const terms = new ReleaseTerms(vocabulary);
  const seenTopic = new Uint32Array(count);
  /** Candidates of the current release, one bit per topic (cleared after each release). */
  const candidateBits = new Int32Array((count >> 5) + 1);
  const seenLeaf = new Uint32Array(leaves.length);
  const leafFirst = new Int32Array(leaves.length);
  let generation = 0;

  return {
    size: count,
    match(release) {
      if (count === 0) return []; // nothing to match: not worth tokenising the release
      const kind = tokenize(release.kind).map((t) => t.term).join(" ");
      const kindId = vocabulary.get(kindKey(kind));
      terms.scan(release, kindId === undefined ? [] : [kindId]);
      if (generation === 0xffffffff) {
        seenTopic.fill(0);
        seenLeaf.fill(0);
        generation = 0;
      }
      const gen = ++generation;
      let lowWord = candidateBits.length;
      let highWord = -1;
      const mark = (i: number): void => {
        const word = i >> 5;
        candidateBits[word]! |= 1 << (i & 31);
        if (word < lowWord) lowWord = word;
        if (word > highWord) highWord = word;
      };
      for (const i of always) mark(i);
      // A topic is a candidate once the release holds a key of each of its trigger clauses.
      const { start: furtherStart, length: furtherLength, items: furtherItems } = furtherKeys;
      for (const key of terms.present) {
        const list = postings[key];
        if (list === undefined) continue;
        for (let k = 0; k < list.length; k++) {
          const i = list[k] as number;
          if (seenTopic[i] === gen) continue;
          seenTopic[i] = gen;
          const n = furtherLength[i] as number;
          if (n > 0) {
            const from = furtherStart[i] as number;
            let any = false;
            for (let j = from; j < from + n && !any; j++) any = terms.holds(furtherItems[j] as number);
            if (!any) continue;
          }
          mark(i);
        }
      }

      const hitOf = (id: number): number => {
        if (seenLeaf[id] !== gen) {
          seenLeaf[id] = gen;
          leafFirst[id] = terms.firstHit(leafTerms[id] as Int32Array, (leaves[id] as TextLeaf).field);
        }
        return leafFirst[id] as number;
      };
      const hasLeaf = (id: number): boolean => hitOf(id) >= 0;
      const matches = (i: number): boolean => {
        const tree = trees[i];
        if (tree !== undefined) return evaluateTopicTree(tree, hasLeaf, kind);
        const from = clauses.start[i] as number;
        const to = from + (clauses.length[i] as number);
        for (let c = from; c < to; c++) {
          const clause = clauses.items[c] as number;
          const first = literals.start[clause] as number;
          const last = first + (literals.length[clause] as number);
          let any = false;
          for (let l = first; l < last && !any; l++) {
            const literal = literals.items[l] as number;
            any = (hitOf(literal >> 1) >= 0) !== ((literal & 1) === 1);
          }
          if (!any) return false;
        }
        return true;
      };

      const out: TopicMatch[] = [];
      let analysis: ReleaseAnalysis | undefined;
      // Candidates in topic order: the set bits, word by word (each word cleared as it is read).
      for (let word = lowWord; word <= highWord; word++) {
        let bits = candidateBits[word] as number;
        if (bits === 0) continue;
        candidateBits[word] = 0;
        while (bits !== 0) {
          const bit = 31 - Math.clz32(bits & -bits);
          bits &= bits - 1;
          const i = (word << 5) | bit;
          if (!matches(i)) continue;
          let first: [number, number] | undefined;
          const from = positives.start[i] as number;
          const to = from + (positives.length[i] as number);
          for (let j = from; j < to; j++) {
            const id = positives.items[j] as number;
            const at = hitOf(id);
            if (at >= 0 && (!first || at < first[0])) first = [at, at + (leafTerms[id] as Int32Array).length - 1];
          }
          analysis ??= new ReleaseAnalysis(release);
          out.push(new LazyTopicMatch(ids[i] as string, positiveLeaves[i] as readonly TextLeaf[], first, analysis));
        }
      }
      return out;
    },
  };
}

/**
 * A tree that is an AND of ORs of literals (a term or phrase, `2 × leaf`, or its negation,
 * `2 × leaf + 1`) as its list of ORs; a single literal or OR is an AND of one. Undefined for
 * anything else (a kind, a NOT over more than a leaf, deeper nesting): that tree is walked.
 */
function toClauses(tree: TopicTree): number[][] | undefined {
  const literal = (node: TopicTree): number | undefined => {
    if (node.type === "leaf") return node.id * 2;
    if (node.type === "not" && node.child.type === "leaf") return node.child.id * 2 + 1;
    return undefined;
  };
  const clause = (node: TopicTree): number[] | undefined => {
    const one = literal(node);
    if (one !== undefined) return [one];
    if (node.type !== "or") return undefined;
    const out: number[] = [];
    for (const child of node.children) {
      const l = literal(child);
      if (l === undefined) return undefined;
      out.push(l);
    }
    return out;
  };
  if (tree.type !== "and") {
    const one = clause(tree);
    return one && [one];
  }
  const out: number[][] = [];
  for (const child of tree.children) {
    const c = clause(child);
    if (!c) return undefined;
    out.push(c);
  }
  return out;
}

/** A release's full analysis (what snippets need), made on first use and shared by its matches. */
class ReleaseAnalysis {
  #analyzed: AnalyzedRelease | undefined;
  constructor(private readonly release: Release) {}
  get analyzed(): AnalyzedRelease {
    this.#analyzed ??= analyzeRelease(this.release);
    return this.#analyzed;
  }
}

/** A match whose snippet is built on first read, then kept; serialises as `{ topicId, snippet }`. */
class LazyTopicMatch implements TopicMatch {
  readonly topicId: string;
  #snippet: Snippet | undefined;
  readonly #leaves: readonly TextLeaf[];
  readonly #first: [number, number] | undefined;
  readonly #analysis: ReleaseAnalysis;

  constructor(topicId: string, leaves: readonly TextLeaf[], first: [number, number] | undefined, analysis: ReleaseAnalysis) {
    this.topicId = topicId;
    this.#leaves = leaves;
    this.#first = first;
    this.#analysis = analysis;
  }

  get snippet(): Snippet {
    this.#snippet ??= buildSnippetAt(this.#first, this.#leaves, this.#analysis.analyzed);
    return this.#snippet;
  }

  toJSON(): { topicId: string; snippet: Snippet } {
    return { topicId: this.topicId, snippet: this.snippet };
  }
}

function parseTopic(topic: { id: string; query: string }): QueryNode {
  try {
    return parseQuery(topic.query);
  } catch (error) {
    if (error instanceof PressroomError) {
      throw new PressroomError("QUERY_INVALID", `topic ${topic.id}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
