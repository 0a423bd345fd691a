import { escapeHtml } from "../core/text.js";

export interface PageOptions {
  readonly title: string;
  /** Body HTML: already escaped by the caller. */
  readonly body: string;
  /** Extra `<head>` HTML (autodiscovery links), already escaped. */
  readonly head?: string;
}

const STYLE = "body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}"
  + "label{display:block;margin:.6rem 0 .2rem}input,select{font:inherit;padding:.3rem;width:100%;max-width:30rem}"
  + "button{font:inherit;margin-top:1rem;padding:.4rem 1rem}.error{color:#b00020}code{background:#f3f3f3;padding:0 .2rem}";

/** A complete HTML page; every dynamic value in `title` is escaped here. */
export function renderPage(options: PageOptions): string {
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>${STYLE}</style>
${options.head ?? ""}
</head>
<body>
<h1>${escapeHtml(options.title)}</h1>
${options.body}
</body>
</html>
`;
}

/** A page with one message paragraph (and optional extra escaped HTML). */
export function renderMessagePage(title: string, message: string, extra = ""): string {
  return renderPage({ title, body: `<p>${escapeHtml(message)}</p>${extra}` });
}

/** An error page: the message shown with class="error". */
export function renderErrorPage(title: string, message: string): string {
  return renderPage({ title, body: `<p class="error" role="alert">${escapeHtml(message)}</p><p><a href="/">Back to Pressroom</a></p>` });
}
