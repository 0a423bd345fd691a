import { kindKey } from "../core/search-key.js";
import type { QueryNode } from "./query-node.js";
import { normalizeWord } from "./tokenize.js";

const STOPWORDS = new Set(
  ("a an and are as at be by for from has have in is it its of on or that the this to was were will with we our " +
    "not but they their he she his her you your i which who been also can all more new home office government uk")
    .split(" ")
    .map(normalizeWord),
);

/**
 * Keys (terms or kind keys) of which a release must hold at least one for the query to match it,
 * chosen to be as rare as we can guess; `undefined` when there is no such set (`NOT x`, `a OR NOT b`).
 *
 * Computed from a necessary condition in conjunctive form: a list of clauses, each a set of keys of
 * which one must be present. AND concatenates clauses, OR joins one clause per branch, NOT gives none.
 */
export function findTriggerKeys(node: QueryNode): string[] | undefined {
  return cheapest(necessaryClauses(node));
}

/** A clause costing this much or more (a stopword, a kind, a wide OR) filters too little to be worth a second look-up. */
const MAX_EXTRA_COST = 30;

/**
 * Up to `max` distinct necessary clauses, cheapest first (the first is `findTriggerKeys`): a release
 * must hold a key of every one of them for the query to match, so the matcher evaluates a topic only
 * when all are present (`a AND b` waits for both words). Clauses after the first are kept only when
 * they cost less than `maxExtraCost`. `undefined` when there is no trigger at all (`NOT x`).
 */
export function findTriggerClauses(node: QueryNode, max = 2, maxExtraCost = MAX_EXTRA_COST): string[][] | undefined {
  const scored = necessaryClauses(node).map((clause) => ({ clause, cost: clause.reduce((sum, key) => sum + keyCost(key), 0) }));
  scored.sort((a, b) => a.cost - b.cost);
  const out: string[][] = [];
  const seen = new Set<string>();
  for (const { clause, cost } of scored) {
    if (out.length >= max || (out.length > 0 && cost >= maxExtraCost)) break;
    const id = [...new Set(clause)].sort().join(" ");
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(clause);
  }
  return out.length > 0 ? out : undefined;
}

function necessaryClauses(node: QueryNode): string[][] {
  switch (node.type) {
    case "term":
      return [[node.term]];
    case "phrase":
      return [...new Set(node.terms)].map((term) => [term]);
    case "kind":
      return [[kindKey(node.value)]];
    case "and":
      return node.children.flatMap(necessaryClauses);
    case "or": {
      const union = new Set<string>();
      for (const child of node.children) {
        const best = cheapest(necessaryClauses(child));
        if (!best) return [];
        for (const key of best) union.add(key);
      }
      return [[...union]];
    }
    case "not":
      return [];
  }
}

function cheapest(clauses: string[][]): string[] | undefined {
  let best: string[] | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const clause of clauses) {
    const cost = clause.reduce((sum, key) => sum + keyCost(key), 0);
    if (cost < bestCost) {
      best = clause;
      bestCost = cost;
    }
  }
  return best;
}

/** Guessed frequency of a key in releases: stopwords and kinds are common, long words rare. */
function keyCost(key: string): number {
  if (STOPWORDS.has(key)) return 100;
  if (key.startsWith("kind:")) return 30;
  return 1 + 10 / key.length;
}
