import { PressroomError } from "../core/errors.js";

/** A `QUERY_INVALID` error that also knows where in the query (0-based index) the problem is. */
export class QuerySyntaxError extends PressroomError {
  readonly position: number;
  readonly query: string;
  constructor(query: string, position: number, problem: string) {
    super("QUERY_INVALID", `query: ${problem} at character ${position + 1}: ${showPosition(query, position)}`);
    this.name = "QuerySyntaxError";
    this.position = position;
    this.query = query;
  }
}

/** `a OR (b` with a marker before the offending character: `a OR ⟨here⟩(b`. */
function showPosition(query: string, position: number): string {
  return `${query.slice(0, position)}⟨here⟩${query.slice(position)}`;
}
