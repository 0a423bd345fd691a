/** Text fields a term can be scoped to. Unscoped terms search all three. */
export type TextField = "title" | "summary" | "body";

/** Parsed query. Offsets (`start`, `end`) point into the query string, for error messages and tooling. */
export type QueryNode =
  | { readonly type: "term"; readonly term: string; readonly field?: TextField; readonly start: number; readonly end: number }
  | {
      readonly type: "phrase";
      readonly terms: readonly string[];
      readonly field?: TextField;
      readonly start: number;
      readonly end: number;
    }
  /** `kind:speech`: the release kind, folded and stemmed word by word (`news-story` → `news story`). */
  | { readonly type: "kind"; readonly value: string; readonly start: number; readonly end: number }
  | { readonly type: "and"; readonly children: readonly QueryNode[] }
  | { readonly type: "or"; readonly children: readonly QueryNode[] }
  | { readonly type: "not"; readonly child: QueryNode };

export type LeafNode = Extract<QueryNode, { type: "term" | "phrase" | "kind" }>;
