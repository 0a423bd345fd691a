import type { Snippet } from "./snippet.js";

/**
 * Renders a snippet, wrapping each highlight with `mark` and passing the rest through `plain`:
 * `formatHighlighted(s, (x) => `\x1b[1m${x}\x1b[22m`)` for a terminal, or
 * `formatHighlighted(s, (x) => `<mark>${escapeHtml(x)}</mark>`, escapeHtml)` for HTML.
 */
export function formatHighlighted(
  snippet: Snippet,
  mark: (text: string) => string,
  plain: (text: string) => string = (text) => text,
): string {
  let out = "";
  let at = 0;
  for (const [start, end] of snippet.highlights) {
    if (start < at || end <= start) continue;
    out += plain(snippet.text.slice(at, start)) + mark(snippet.text.slice(start, end));
    at = end;
  }
  return out + plain(snippet.text.slice(at));
}
