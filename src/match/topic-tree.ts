import type { QueryNode } from "./query-node.js";
import type { TextLeaf } from "./snippet.js";

/** A query tree whose terms and phrases are ids into a shared leaf table, so each is looked up once per release. */
export type TopicTree =
  | { readonly type: "leaf"; readonly id: number }
  | { readonly type: "kind"; readonly value: string }
  | { readonly type: "and" | "or"; readonly children: readonly TopicTree[] }
  | { readonly type: "not"; readonly child: TopicTree };

/** Distinct terms and phrases (with their field) of many queries, numbered. */
export class LeafTable {
  readonly leaves: TextLeaf[] = [];
  private readonly ids = new Map<string, number>();

  idOf(leaf: TextLeaf): number {
    const key = `${leaf.field ?? ""}|${leaf.type === "term" ? leaf.term : leaf.terms.join(" ")}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.leaves.length;
      this.leaves.push(leaf);
      this.ids.set(key, id);
    }
    return id;
  }
}

export function toTopicTree(node: QueryNode, table: LeafTable): TopicTree {
  switch (node.type) {
    case "term":
    case "phrase":
      return { type: "leaf", id: table.idOf(node) };
    case "kind":
      return { type: "kind", value: node.value };
    case "not":
      return { type: "not", child: toTopicTree(node.child, table) };
    default:
      return { type: node.type, children: node.children.map((c) => toTopicTree(c, table)) };
  }
}

/** Same semantics as `evaluateQuery`, with leaf hits supplied by the caller (cached per release). */
export function evaluateTopicTree(tree: TopicTree, hasLeaf: (id: number) => boolean, kind: string): boolean {
  switch (tree.type) {
    case "leaf":
      return hasLeaf(tree.id);
    case "kind":
      return tree.value === kind;
    case "and":
      return tree.children.every((c) => evaluateTopicTree(c, hasLeaf, kind));
    case "or":
      return tree.children.some((c) => evaluateTopicTree(c, hasLeaf, kind));
    case "not":
      return !evaluateTopicTree(tree.child, hasLeaf, kind);
  }
}
