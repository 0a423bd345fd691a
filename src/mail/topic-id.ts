import { shortHash } from "../core/ids.js";
import { foldText } from "../core/text.js";

/** The normalised form of a query two topics are compared by: folded case and accents, single spaces. */
export function normaliseQuery(query: string): string {
  return foldText(query).replace(/\s+/g, " ").trim();
}

/** Stable short id of a topic: a hash of its normalised query (one topic per query per subscriber). */
export function topicId(query: string): string {
  return shortHash(`topic:${normaliseQuery(query)}`, 12);
}
