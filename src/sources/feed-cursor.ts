/** Conditional-GET validators a live source remembers per URL in its cursor. */
import type { HttpValidators, SourceCursor } from "../core/source.js";

export function validatorsFor(cursor: SourceCursor, url: string): HttpValidators | undefined {
  const all = cursor.validators;
  if (!all || typeof all !== "object") return undefined;
  const entry = (all as Record<string, unknown>)[url];
  if (!entry || typeof entry !== "object") return undefined;
  const { etag, lastModified } = entry as Record<string, unknown>;
  return {
    ...(typeof etag === "string" ? { etag } : {}),
    ...(typeof lastModified === "string" ? { lastModified } : {}),
  };
}

/** The cursor with one URL's validators replaced (other keys kept). */
export function withValidators(cursor: SourceCursor, url: string, validators: HttpValidators): SourceCursor {
  const previous = cursor.validators && typeof cursor.validators === "object" ? (cursor.validators as Record<string, unknown>) : {};
  return { ...cursor, validators: { ...previous, [url]: validators } };
}
