/**
 * Remembers a pure function's results for up to `cap` distinct string arguments (inputs that repeat,
 * like dates in a dump). Keys are kept as copies: a key cut from a large text (a dump piece) would
 * otherwise keep that whole text alive for as long as it is remembered.
 */
export function memoizeBounded<R>(fn: (input: string) => R, cap: number): (input: string) => R {
  const seen = new Map<string, R>();
  return (input) => {
    if (seen.has(input)) return seen.get(input) as R;
    const result = fn(input);
    if (seen.size < cap) seen.set(detached(input), result);
    return result;
  };
}

/**
 * A fresh copy of a string, sharing no storage with the text it may be a slice of. (V8 copies a
 * slice shorter than 13 characters anyway: those are returned as they are.)
 */
export function detached(input: string): string {
  if (input.length < 13) return input;
  return Buffer.from(input, "utf16le").toString("utf16le");
}
