import type { Release } from "../core/release.js";
import { PressroomError } from "../core/errors.js";
import { kindKey } from "../core/search-key.js";
import { type AnalyzedRelease, analyzeRelease } from "./analyze-release.js";
import { parseQuery } from "./parse-query.js";
import type { QueryNode } from "./query-node.js";
import { buildSnippet, collectPositiveLeaves, type Snippet, type TextLeaf } from "./snippet.js";
import { evaluateTopicTree, LeafTable, type TopicTree, toTopicTree } from "./topic-tree.js";
import { ReleaseTerms } from "./release-terms.js";
import { tokenize } from "./tokenize.js";
import { findTriggerClauses } from "./trigger-keys.js";

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
 * array look-ups in topic order; phrases and scoped terms shared by topics are looked up once per
 * release, and a lone term or a kind value is decided by whether the release holds its key. A topic
 * that is an AND of ORs of those (or their negations) is checked without walking its query tree,
 * and only for the clauses its trigger clauses do not already prove (`a AND b` filed under `a`
 * with `b` as its second clause needs no check at all). A match's snippet, and where its terms first
 * occur, come from the release's full analysis, made when the first snippet is read.
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
  const parsed = topics.map((topic, i) => {
    const ast = parseTopic(topic);
    ids.push(topic.id);
    const leafIds = [...new Set(collectPositiveLeaves(ast).map((leaf) => table.idOf(leaf)))];
    positiveLeaves.push(leafIds.map((id) => table.leaves[id] as TextLeaf));
    const triggers = findTriggerClauses(ast, 2);
    if (!triggers) always.push(i);
    else {
      for (const key of new Set(triggers[0])) (index[idOf(key)] ??= []).push(i);
      const second = triggers[1];
      if (second) further[i] = [...new Set(second)].map(idOf);
    }
    return { tree: toTopicTree(ast, table), triggers: triggers?.map((keys) => keys.map(idOf)) };
  });
  const leaves = table.leaves;
  /** Per leaf, its terms' vocabulary ids. */
  const leafTerms = leaves.map((leaf) => Int32Array.from(leaf.type === "term" ? [leaf.term] : leaf.terms, idOf));
  /**
   * Per slot (a leaf, then each `kind:` value after the last leaf): the vocabulary id whose presence
   * decides it, or -1. A lone term in any field occurs when the release holds it; a kind value holds
   * when the release's kind key is that value's (the matcher marks the kind key present).
   */
  const plainKey = leaves.map((leaf, id) => (leaf.type === "term" && leaf.field === undefined ? (leafTerms[id]?.[0] ?? -1) : -1));
  const kindSlots = new Map<string, number>();
  const kindSlot = (value: string): number => {
    let slot = kindSlots.get(value);
    if (slot === undefined) {
      slot = plainKey.push(idOf(kindKey(value))) - 1;
      kindSlots.set(value, slot);
    }
    return slot;
  };
  for (const { tree, triggers } of parsed) {
    const clauses = toClauses(tree, kindSlot);
    trees.push(clauses ? undefined : tree);
    // A clause that a trigger clause implies is true of every candidate: only the others are checked.
    const left = clauses?.filter((literals) => !triggers?.some((trigger) => impliesClause(trigger, literals, plainKey)));
    clauseLists.push(left?.map((literals) => literalLists.push(literals) - 1));
  }
  /** Further clauses of more than one key, numbered (see `packPostings`). */
  const furtherLists: number[][] = [];
  const postings = index.map((list) => packPostings(list, further, furtherLists));
  return new IndexedTopics({
    ids,
    vocabulary,
    leaves,
    trees,
    always: Int32Array.from(always),
    postings,
    further: new PackedLists(furtherLists),
    clauses: new PackedLists(clauseLists),
    literals: new PackedLists(literalLists),
    positiveLeaves,
    leafTerms,
    plainKey: Int32Array.from(plainKey),
  });
}

/**
 * A key's topics as pairs (topic, further): `further` is the one key of the topic's further trigger
 * clause the release must also hold, -1 when it has none, or `-2 - n` when the clause has several
 * keys, `n` numbering its list in `furtherLists` (added to here). Read in one pass, front to back.
 */
function packPostings(topics: readonly number[], further: readonly (number[] | undefined)[], furtherLists: number[][]): Int32Array {
  const out = new Int32Array(topics.length * 2);
  topics.forEach((topic, k) => {
    const keys = further[topic];
    out[2 * k] = topic;
    out[2 * k + 1] = !keys || keys.length === 0 ? -1 : keys.length === 1 ? (keys[0] as number) : -2 - (furtherLists.push(keys) - 1);
  });
  return out;
}

/** What `createTopicMatcher` builds from the topics (see there). */
interface TopicIndexParts {
  readonly ids: readonly string[];
  readonly vocabulary: ReadonlyMap<string, number>;
  readonly leaves: readonly TextLeaf[];
  readonly trees: readonly (TopicTree | undefined)[];
  readonly always: Int32Array;
  /** Vocabulary id → the topics filed under it, ascending, each with its further clause (`packPostings`); undefined: none. */
  readonly postings: readonly (Int32Array | undefined)[];
  /** Further clauses of several keys. */
  readonly further: PackedLists;
  readonly clauses: PackedLists;
  readonly literals: PackedLists;
  readonly positiveLeaves: readonly (readonly TextLeaf[])[];
  readonly leafTerms: readonly Int32Array[];
  /** Per slot (see `createTopicMatcher`): the vocabulary id that decides it, or -1 (a phrase, a field: look it up). */
  readonly plainKey: Int32Array;
}

/**
 * The matcher itself. Per-release state lives in fields (typed arrays stamped with a generation, so
 * nothing is cleared between releases), and the hot loops read fields of one object rather than
 * variables captured by closures made per release.
 */
class IndexedTopics implements TopicMatcher {
  readonly size: number;
  private readonly terms: ReleaseTerms;
  /** A release kind as written → its terms joined (`news story`) and its key's vocabulary id, if any. */
  private readonly kinds = new Map<string, { kind: string; ids: readonly number[] }>();
  /** Candidates of the current release, one bit per topic (cleared as they are read). */
  private readonly candidateBits: Int32Array;
  private readonly seenLeaf: Uint32Array;
  private readonly leafFirst: Int32Array;
  private generation = 0;
  /** The release's kind, for trees with `kind:`. */
  private kind = "";
  private readonly hasLeaf = (id: number): boolean => this.has(id);

  constructor(private readonly p: TopicIndexParts) {
    this.size = p.ids.length;
    this.terms = new ReleaseTerms(p.vocabulary);
    this.candidateBits = new Int32Array((this.size >> 5) + 1);
    this.seenLeaf = new Uint32Array(p.leaves.length);
    this.leafFirst = new Int32Array(p.leaves.length);
  }

  match(release: Release): TopicMatch[] {
    if (this.size === 0) return []; // nothing to match: not worth tokenising the release
    const p = this.p;
    let known = this.kinds.get(release.kind);
    if (known === undefined) {
      const joined = tokenize(release.kind).map((t) => t.term).join(" ");
      const kindId = p.vocabulary.get(kindKey(joined));
      known = { kind: joined, ids: kindId === undefined ? [] : [kindId] };
      if (this.kinds.size >= 1_000) this.kinds.clear();
      this.kinds.set(release.kind, known);
    }
    this.kind = known.kind;
    const terms = this.terms;
    terms.scan(release, known.ids);
    if (this.generation === 0xffffffff) {
      this.seenLeaf.fill(0);
      this.generation = 0;
    }
    const gen = ++this.generation;
    const bits = this.candidateBits;
    let lowWord = bits.length;
    let highWord = -1;
    const always = p.always;
    for (let k = 0; k < always.length; k++) {
      const i = always[k] as number;
      const word = i >> 5;
      bits[word]! |= 1 << (i & 31);
      if (word < lowWord) lowWord = word;
      if (word > highWord) highWord = word;
    }
    // A topic is a candidate once the release holds a key of each of its trigger clauses. (A topic
    // filed under several keys the release holds is marked again: its bit is set either way.)
    const { start: furtherStart, length: furtherLength, items: furtherItems } = p.further;
    const { stamp } = terms;
    const termGen = terms.generation;
    const present = terms.present;
    const postings = p.postings;
    for (let k = 0; k < present.length; k++) {
      const list = postings[present[k] as number];
      if (list === undefined) continue;
      for (let j = 0; j < list.length; j += 2) {
        const i = list[j] as number;
        const further = list[j + 1] as number;
        if (further >= 0) {
          if (stamp[further] !== termGen) continue;
        } else if (further < -1) {
          const n = -2 - further;
          const from = furtherStart[n] as number;
          const to = from + (furtherLength[n] as number);
          let any = false;
          for (let f = from; f < to && !any; f++) any = stamp[furtherItems[f] as number] === termGen;
          if (!any) continue;
        }
        const word = i >> 5;
        bits[word]! |= 1 << (i & 31);
        if (word < lowWord) lowWord = word;
        if (word > highWord) highWord = word;
      }
    }

    const out: TopicMatch[] = [];
    let analysis: ReleaseAnalysis | undefined;
    // Candidates in topic order: the set bits, word by word (each word cleared as it is read).
    for (let word = lowWord; word <= highWord; word++) {
      let set = bits[word] as number;
      if (set === 0) continue;
      bits[word] = 0;
      while (set !== 0) {
        const bit = 31 - Math.clz32(set & -set);
        set &= set - 1;
        const i = (word << 5) | bit;
        if (!this.satisfies(i)) continue;
        analysis ??= new ReleaseAnalysis(release);
        out.push(new LazyTopicMatch(p.ids[i] as string, p.positiveLeaves[i] as readonly TextLeaf[], analysis));
      }
    }
    return out;
  }

  /** Whether the current release holds slot `slot`: a term or phrase (in its field, if any) or a kind value. */
  private has(slot: number): boolean {
    const terms = this.terms;
    const key = this.p.plainKey[slot] as number;
    if (key >= 0) return terms.stamp[key] === terms.generation;
    const gen = this.generation;
    if (this.seenLeaf[slot] !== gen) {
      this.seenLeaf[slot] = gen;
      this.leafFirst[slot] = terms.firstHit(this.p.leafTerms[slot] as Int32Array, (this.p.leaves[slot] as TextLeaf).field);
    }
    return (this.leafFirst[slot] as number) >= 0;
  }

  /** Whether candidate `i` matches the current release. */
  private satisfies(i: number): boolean {
    const p = this.p;
    const tree = p.trees[i];
    if (tree !== undefined) return evaluateTopicTree(tree, this.hasLeaf, this.kind);
    const { clauses, literals } = p;
    const from = clauses.start[i] as number;
    const to = from + (clauses.length[i] as number);
    for (let c = from; c < to; c++) {
      const clause = clauses.items[c] as number;
      const first = literals.start[clause] as number;
      const last = first + (literals.length[clause] as number);
      let any = false;
      for (let l = first; l < last && !any; l++) {
        const literal = literals.items[l] as number;
        any = this.has(literal >> 1) !== ((literal & 1) === 1);
      }
      if (!any) return false;
    }
    return true;
  }
}

/**
 * A tree that is an AND of ORs of literals (`2 × slot`, or its negation, `2 × slot + 1`; a slot is a
 * term or phrase, its leaf id, or a kind value, `kindSlot(value)`) as its list of ORs; a single
 * literal or OR is an AND of one. Undefined for anything else (a NOT over more than a leaf, deeper
 * nesting): that tree is walked.
 */
function toClauses(tree: TopicTree, kindSlot: (value: string) => number): number[][] | undefined {
  const slot = (node: TopicTree): number | undefined =>
    node.type === "leaf" ? node.id : node.type === "kind" ? kindSlot(node.value) : undefined;
  const literal = (node: TopicTree): number | undefined => {
    const positive = slot(node);
    if (positive !== undefined) return positive * 2;
    const negated = node.type === "not" ? slot(node.child) : undefined;
    return negated === undefined ? undefined : negated * 2 + 1;
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

/**
 * Whether a release holding a key of `trigger` (vocabulary ids of terms or kind keys) is sure to
 * satisfy the clause `literals` (an OR of literals, see `toClauses`): every key is what decides one
 * of the clause's positive literals (`plainKey`).
 */
function impliesClause(trigger: readonly number[], literals: readonly number[], plainKey: readonly number[]): boolean {
  return trigger.every((key) => literals.some((literal) => (literal & 1) === 0 && plainKey[literal >> 1] === key));
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
  readonly #analysis: ReleaseAnalysis;

  constructor(topicId: string, leaves: readonly TextLeaf[], analysis: ReleaseAnalysis) {
    this.topicId = topicId;
    this.#leaves = leaves;
    this.#analysis = analysis;
  }

  /** Where its terms and phrases first occur is found here too, not while matching: most snippets are never read. */
  get snippet(): Snippet {
    this.#snippet ??= buildSnippet(this.#leaves, this.#analysis.analyzed);
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
