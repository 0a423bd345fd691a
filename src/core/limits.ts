/** Size limits shared by config validation, the query language and the CLI. */

/** Longest query (topic, search, subscription) in characters; the HTTP server applies the same cap. */
export const MAX_QUERY_CHARS = 500;

/** Longest source id or topic feed name in characters. */
export const MAX_ID_CHARS = 64;
