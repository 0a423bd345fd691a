import type { Release } from "../core/release.js";
import { PressroomError } from "../core/errors.js";
import { type AnalyzedRelease, analyzeRelease } from "./analyze-release.js";
import { findLeafHit } from "./evaluate-query.js";
import { parseQuery } from "./parse-query.js";
import type { QueryNode } from "./query-node.js";
import { buildSnippetAt, collectPositiveLeaves, type Snippet, type TextLeaf } from "./snippet.js";
import { evaluateTopicTree, LeafTable, type TopicTree, toTopicTree } from "./topic-tree.js";
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

interface CompiledTopic {
  readonly id: string;
  readonly tree: TopicTree;
  /** Ids of the terms and phrases not under a NOT: they are what a snippet highlights. */
  readonly positive: readonly number[];
  readonly positiveLeaves: readonly TextLeaf[];
}

/**
 * Matches many topics against one release at a time with an inverted index: each topic is filed
 * under the keys of its cheapest trigger clause (see `findTriggerClauses`), the release is tokenised
 * once, and only topics for which the release holds a key of that clause and of its second clause,
 * if any (plus topics with no trigger, like `NOT x`), are evaluated.
 * Terms and phrases shared by topics are looked up once per release.
 * Throws `QUERY_INVALID` naming the first topic whose query does not parse.
 */
export function createTopicMatcher(topics: readonly { id: string; query: string }[]): TopicMatcher {
  const table = new LeafTable();
  const compiled: CompiledTopic[] = [];
  /** Key → topics filed under it: a key of the topic's first (cheapest) trigger clause. */
  const index = new Map<string, number[]>();
  /**
   * Per topic, the keys of its further trigger clause (one of which the release must also hold), or
   * undefined. Checked by look-up on candidates rather than filed: a further clause is usually a
   * common word whose long list would be walked for every release that holds it.
   */
  const further: (readonly string[] | undefined)[] = new Array(topics.length);
  const always: number[] = [];
  topics.forEach((topic, i) => {
    const ast = parseTopic(topic);
    const positive = [...new Set(collectPositiveLeaves(ast).map((leaf) => table.idOf(leaf)))];
    const positiveLeaves = positive.map((id) => table.leaves[id] as TextLeaf);
    compiled.push({ id: topic.id, tree: toTopicTree(ast, table), positive, positiveLeaves });
    const clauses = findTriggerClauses(ast, 2);
    if (!clauses) always.push(i);
    else {
      for (const key of new Set(clauses[0])) {
        const list = index.get(key);
        if (list) list.push(i);
        else index.set(key, [i]);
      }
      const second = clauses[1];
      if (second) further[i] = [...new Set(second)];
    }
  });
  const leaves = table.leaves;
  const seenTopic = new Uint32Array(compiled.length);
  const seenLeaf = new Uint32Array(leaves.length);
  const leafFirst = new Int32Array(leaves.length);
  const leafLast = new Int32Array(leaves.length);
  let generation = 0;

  return {
    size: compiled.length,
    match(release) {
      if (compiled.length === 0) return []; // nothing to match: not worth tokenising the release
      const analyzed = analyzeRelease(release);
      if (generation === 0xffffffff) {
        seenTopic.fill(0);
        seenLeaf.fill(0);
        generation = 0;
      }
      const gen = ++generation;
      const positions = analyzed.positions;
      const releaseKind = kindKey(analyzed.kind);
      const holds = (key: string): boolean => key === releaseKind || positions.has(key);
      const found: number[] = [...always];
      // A topic is a candidate once the release holds a key of each of its trigger clauses.
      const collect = (list: readonly number[] | undefined): void => {
        if (list === undefined) return;
        for (let k = 0; k < list.length; k++) {
          const i = list[k] as number;
          if (seenTopic[i] === gen) continue;
          seenTopic[i] = gen;
          const keys = further[i];
          if (keys !== undefined) {
            let any = false;
            for (let j = 0; j < keys.length && !any; j++) any = holds(keys[j] as string);
            if (!any) continue;
          }
          found.push(i);
        }
      };
      for (const term of positions.keys()) collect(index.get(term));
      collect(index.get(releaseKind));
      const candidates = Int32Array.from(found).sort();

      const hitOf = (id: number): number => {
        if (seenLeaf[id] !== gen) {
          seenLeaf[id] = gen;
          const hit = findLeafHit(leaves[id] as TextLeaf, analyzed, true)[0];
          leafFirst[id] = hit ? hit[0] : -1;
          leafLast[id] = hit ? hit[1] : -1;
        }
        return leafFirst[id] as number;
      };
      const hasLeaf = (id: number): boolean => hitOf(id) >= 0;

      const out: TopicMatch[] = [];
      for (const i of candidates) {
        const topic = compiled[i] as CompiledTopic;
        const tree = topic.tree;
        if (tree.type === "leaf" ? !hasLeaf(tree.id) : !evaluateTopicTree(tree, hasLeaf, analyzed.kind)) continue;
        let first: [number, number] | undefined;
        for (const id of topic.positive) {
          const at = hitOf(id);
          if (at >= 0 && (!first || at < first[0])) first = [at, leafLast[id] as number];
        }
        out.push(new LazyTopicMatch(topic.id, topic.positiveLeaves, first, analyzed));
      }
      return out;
    },
  };
}

/** A match whose snippet is built on first read, then kept; serialises as `{ topicId, snippet }`. */
class LazyTopicMatch implements TopicMatch {
  readonly topicId: string;
  #snippet: Snippet | undefined;
  readonly #leaves: readonly TextLeaf[];
  readonly #first: [number, number] | undefined;
  readonly #analyzed: AnalyzedRelease;

  constructor(topicId: string, leaves: readonly TextLeaf[], first: [number, number] | undefined, analyzed: AnalyzedRelease) {
    this.topicId = topicId;
    this.#leaves = leaves;
    this.#first = first;
    this.#analyzed = analyzed;
  }

  get snippet(): Snippet {
    this.#snippet ??= buildSnippetAt(this.#first, this.#leaves, this.#analyzed);
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
