import { type AnalyzedRelease, isInField } from "./analyze-release.js";
import type { LeafNode, QueryNode } from "./query-node.js";

/** Whether a release satisfies a query. */
export function evaluateQuery(node: QueryNode, analyzed: AnalyzedRelease): boolean {
  switch (node.type) {
    case "and":
      return node.children.every((child) => evaluateQuery(child, analyzed));
    case "or":
      return node.children.some((child) => evaluateQuery(child, analyzed));
    case "not":
      return !evaluateQuery(node.child, analyzed);
    case "kind":
      return analyzed.kind === node.value;
    default:
      return findLeafHit(node, analyzed, true).length > 0;
  }
}

/**
 * Where a term or phrase occurs, as [first position, last position] pairs, ascending,
 * restricted to the leaf's field. With `firstOnly`, stops at the first hit.
 */
export function findLeafHit(
  leaf: Exclude<LeafNode, { type: "kind" }>,
  analyzed: AnalyzedRelease,
  firstOnly = false,
): [number, number][] {
  const terms = leaf.type === "term" ? [leaf.term] : leaf.terms;
  // Walk the rarest term of the phrase, then check its neighbours.
  let anchor = 0;
  let list: readonly number[] | undefined;
  for (let i = 0; i < terms.length; i++) {
    const candidate = analyzed.positions.get(terms[i] as string);
    if (!candidate) return [];
    if (!list || candidate.length < list.length) {
      list = candidate;
      anchor = i;
    }
  }
  const hits: [number, number][] = [];
  for (const position of list ?? []) {
    const first = position - anchor;
    if (first < 0) continue;
    if (leaf.field && !isInField(analyzed, first, leaf.field)) continue;
    let ok = true;
    for (let i = 0; i < terms.length && ok; i++) ok = analyzed.termAt[first + i] === terms[i];
    if (!ok) continue;
    hits.push([first, first + terms.length - 1]);
    if (firstOnly) break;
  }
  return hits;
}
