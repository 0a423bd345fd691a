/** Remembers a pure function's results for up to `cap` distinct string arguments (inputs that repeat, like dates in a dump). */
export function memoizeBounded<R>(fn: (input: string) => R, cap: number): (input: string) => R {
  const seen = new Map<string, R>();
  return (input) => {
    if (seen.has(input)) return seen.get(input) as R;
    const result = fn(input);
    if (seen.size < cap) seen.set(input, result);
    return result;
  };
}
