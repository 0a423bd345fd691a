import { PressroomError } from "../core/errors.js";
import { MAX_QUERY_CHARS } from "../core/limits.js";
import { type FieldName, lexQuery, type QueryToken } from "./lex-query.js";
import { QuerySyntaxError } from "./query-error.js";
import type { QueryNode } from "./query-node.js";

const NAMES = { and: "AND", or: "OR", not: "NOT", minus: "-" } as const;

/**
 * Parses a query. Precedence, tightest first: field scope, NOT / `-`, AND (also implicit), OR.
 * So `a OR b c` is `a OR (b AND c)`. Throws `QuerySyntaxError` (code `QUERY_INVALID`) with the position,
 * or a `QUERY_INVALID` PressroomError for a query over `MAX_QUERY_CHARS` characters.
 */
export function parseQuery(query: string): QueryNode {
  if (query.length > MAX_QUERY_CHARS) {
    // Not echoed: the point of the limit is that a huge query never fills a terminal, a log or a page.
    throw new PressroomError("QUERY_INVALID", `query too long: ${query.length} characters, at most ${MAX_QUERY_CHARS}`);
  }
  const tokens = lexQuery(query);
  if (tokens.length === 0) {
    throw new QuerySyntaxError(query, 0, "the query is empty: type a word or \"a phrase\"");
  }
  const parser = new Parser(query, tokens);
  const node = parser.parseOr(undefined);
  const rest = parser.peek();
  if (rest) parser.fail(rest, rest.kind === "rparen" ? "this \")\" has no matching \"(\"" : "unexpected token");
  return node;
}

class Parser {
  private index = 0;
  constructor(
    private readonly query: string,
    private readonly tokens: readonly QueryToken[],
  ) {}

  peek(): QueryToken | undefined {
    return this.tokens[this.index];
  }

  fail(token: QueryToken, problem: string): never {
    throw new QuerySyntaxError(this.query, token.start, problem);
  }

  parseOr(field: FieldName | undefined): QueryNode {
    const children = [this.parseAnd(field)];
    for (let t = this.peek(); t?.kind === "or"; t = this.peek()) {
      this.index++;
      this.expectOperand(t);
      children.push(this.parseAnd(field));
    }
    return combine("or", children);
  }

  private parseAnd(field: FieldName | undefined): QueryNode {
    const children = [this.parseUnary(field)];
    for (let t = this.peek(); t && t.kind !== "or" && t.kind !== "rparen"; t = this.peek()) {
      if (t.kind === "and") {
        this.index++;
        this.expectOperand(t);
      }
      children.push(this.parseUnary(field));
    }
    return combine("and", children);
  }

  private parseUnary(field: FieldName | undefined): QueryNode {
    const t = this.peek();
    if (t?.kind === "not" || t?.kind === "minus") {
      this.index++;
      this.expectOperand(t);
      return { type: "not", child: this.parseUnary(field) };
    }
    return this.parsePrimary(field);
  }

  private parsePrimary(field: FieldName | undefined): QueryNode {
    const t = this.peek();
    if (!t) throw new QuerySyntaxError(this.query, this.query.length, "a term is missing");
    this.index++;
    switch (t.kind) {
      case "lparen": {
        const next = this.peek();
        if (!next) this.fail(t, "this \"(\" is never closed");
        if (next.kind === "rparen") this.fail(t, "these parentheses are empty");
        const inner = this.parseOr(field);
        if (this.peek()?.kind !== "rparen") this.fail(t, "this \"(\" is never closed");
        this.index++;
        return inner;
      }
      case "field":
        return this.parsePrimary(t.field);
      case "text":
        if (field === "kind") return { type: "kind", value: t.terms.join(" "), start: t.start, end: t.end };
        if (t.terms.length === 1) {
          return { type: "term", term: t.terms[0] as string, ...(field && { field }), start: t.start, end: t.end };
        }
        return { type: "phrase", terms: t.terms, ...(field && { field }), start: t.start, end: t.end };
      case "rparen":
        return this.fail(t, "this \")\" has no matching \"(\"");
      default:
        return this.fail(t, `${nameOf(t)} needs a term before it`);
    }
  }

  /** After an operator, the next token must be able to start a term. */
  private expectOperand(op: QueryToken): void {
    const next = this.peek();
    if (!next || next.kind === "rparen" || next.kind === "and" || next.kind === "or") {
      this.fail(op, `${nameOf(op)} needs a term after it`);
    }
  }
}

function nameOf(token: QueryToken): string {
  return token.kind in NAMES ? NAMES[token.kind as keyof typeof NAMES] : token.kind;
}

function combine(type: "and" | "or", children: QueryNode[]): QueryNode {
  if (children.length === 1) return children[0] as QueryNode;
  const flat = children.flatMap((c) => (c.type === type ? c.children : [c]));
  return { type, children: flat };
}
