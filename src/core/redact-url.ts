/*
 * URLs in logs, run summaries, `status`, /healthz and /metrics lose what may be a secret: the
 * `user:pass@` part and the values of the query string (a feed URL's `?token=…`). Parameter names
 * stay, so a message still says which URL it was.
 */

const MASK = "***";

/** A URL without its credentials and query values: `https://***@host/feed?token=***`. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return redactLoosely(url);
  }
  if (u.username || u.password) {
    u.username = MASK;
    u.password = "";
  }
  if (u.search) u.search = maskQuery(u.search.slice(1));
  u.hash = "";
  return u.toString();
}

/** Every URL inside a free text (an error message, a warning) redacted as `redactUrl` does. */
export function redactUrls(text: string): string {
  return text.replace(URL_IN_TEXT, (match) => {
    // A sentence's closing punctuation is not part of the URL.
    const trail = /[.,;:!?)\]}'"]+$/.exec(match)?.[0] ?? "";
    return redactUrl(match.slice(0, match.length - trail.length)) + trail;
  });
}

/** `scheme://` then anything up to whitespace or a quote. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

function maskQuery(query: string): string {
  return `?${query
    .split("&")
    .map((pair) => {
      const at = pair.indexOf("=");
      return at < 0 ? pair : `${pair.slice(0, at)}=${MASK}`;
    })
    .join("&")}`;
}

/** For a string `new URL` refuses: credentials and query cut out by pattern. */
function redactLoosely(text: string): string {
  return text.replace(/\/\/[^/\s@]*@/, `//${MASK}@`).replace(/\?[^#\s]*/, (q) => maskQuery(q.slice(1))).replace(/#.*$/, "");
}
