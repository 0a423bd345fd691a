import type { IncomingMessage, ServerResponse } from "node:http";
import { formatLondonDate, formatLondonIso } from "../core/london.js";
import type { Block, Revision, StoredRelease } from "../core/release.js";
import { escapeHtml } from "../core/text.js";
import { kindLabel } from "../feeds/feed-names.js";
import { HttpError } from "./http-errors.js";
import { renderPage } from "./page-layout.js";
import { sendHtml } from "./send-response.js";
import type { ServerContext } from "./server-context.js";
import { diffLines, type DiffPart } from "./text-diff.js";

/** The site path of a release's page: `/releases/<id percent-encoded>`. */
export function releasePath(id: string): string {
  return `/releases/${encodeURIComponent(id)}`;
}

/** The release id of a `/releases/…` path, or undefined. */
export function releaseIdFromPath(pathname: string): string | undefined {
  if (!pathname.startsWith("/releases/")) return undefined;
  try {
    const id = decodeURIComponent(pathname.slice("/releases/".length));
    return id === "" || id.length > 1000 ? undefined : id;
  } catch {
    return undefined;
  }
}

function safeHttpUrl(url: string | undefined): string | undefined {
  if (!url || !URL.canParse(url)) return undefined;
  const u = new URL(url);
  return u.protocol === "https:" || u.protocol === "http:" ? u.toString() : undefined;
}

/** An instant as London people read it: `30 October 2023, 14:05`. */
function londonInstant(iso: string): string {
  if (Number.isNaN(Date.parse(iso))) return iso;
  const local = formatLondonIso(new Date(iso));
  return `${formatLondonDate(local.slice(0, 10))}, ${local.slice(11, 16)}`;
}

function blocksHtml(blocks: readonly Block[]): string {
  return blocks.map((b) => (b.type === "paragraph" ? `<p>${escapeHtml(b.text)}</p>` : `<ul>${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join("")}</ul>`)).join("\n");
}

/** A revision's text as lines: title, summary, then each paragraph and list item. */
function linesOf(r: Pick<Revision, "title" | "summary" | "body">): string[] {
  const body = r.body.flatMap((b) => (b.type === "paragraph" ? [b.text] : b.items.map((i) => `• ${i}`)));
  return [`Title: ${r.title}`, `Summary: ${r.summary}`, ...body];
}

const partHtml = (p: DiffPart) => (p.op === "same" ? escapeHtml(p.text) : `<${p.op}>${escapeHtml(p.text)}</${p.op}>`);

/** What changed between two revisions, as HTML: changed lines with words struck out and added; unchanged lines left out. */
export function revisionDiffHtml(before: Pick<Revision, "title" | "summary" | "body">, after: Pick<Revision, "title" | "summary" | "body">): string {
  const lines = diffLines(linesOf(before), linesOf(after)).filter((l) => l.op !== "same");
  if (lines.length === 0) return "<p>No change to the text.</p>";
  return `<ul class="diff">${lines
    .map((l) => (l.op === "change" ? `<li>${l.parts.map(partHtml).join("")}</li>` : `<li><${l.op}>${escapeHtml(l.text)}</${l.op}></li>`))
    .join("")}</ul>`;
}

const STYLE = "<style>del{background:#fdd;text-decoration:line-through}ins{background:#dfd;text-decoration:none}.meta{color:#555}.diff li{margin:.3rem 0}</style>";

/** The HTML page of one release: text, kind, department, London date, sources and revision history with diffs. */
export function renderReleasePage(release: StoredRelease): string {
  const url = safeHttpUrl(release.url);
  const meta = `<p class="meta">${escapeHtml(kindLabel(release.kind))} · ${escapeHtml(release.department)} · <time datetime="${escapeHtml(release.date)}">${escapeHtml(formatLondonDate(release.date))}</time></p>`;
  const original = url ? `<p>Original: <a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>` : "";
  const summary = release.summary ? `<p><strong>${escapeHtml(release.summary)}</strong></p>` : "";
  const sources = release.provenance
    .map((p) => {
      const link = safeHttpUrl(p.url);
      const where = link ? `<a href="${escapeHtml(link)}">${escapeHtml(link)}</a>` : "no link";
      return `<li>${escapeHtml(p.sourceId)}: ${where}, first seen ${escapeHtml(londonInstant(p.firstSeenAt))}</li>`;
    })
    .join("");
  const revisions = release.revisions
    .map((r, i) => {
      const head = `<h3>${i === 0 ? "First seen" : "Revised"} ${escapeHtml(londonInstant(r.recordedAt))}</h3>`;
      const note = r.changeNote ? `<p>Change note: ${escapeHtml(r.changeNote)}</p>` : "";
      const prev = release.revisions[i - 1];
      return `<li>${head}${note}${prev ? revisionDiffHtml(prev, r) : ""}</li>`;
    })
    .reverse()
    .join("\n");
  const body = `${meta}
${original}
${summary}
<article>
${blocksHtml(release.body)}
</article>
<h2>Sources</h2>
<ul>${sources}</ul>
<h2>Revision history</h2>
<p>${release.revisions.length} version${release.revisions.length === 1 ? "" : "s"}, newest first; each shows what changed from the one before.</p>
<ol reversed>${revisions}</ol>
<p><a href="/">Back to Pressroom</a></p>`;
  return renderPage({ title: release.title, body, head: STYLE });
}

/** `GET /releases/<id>`: the release's page, or 404. */
export async function serveReleasePage(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const id = releaseIdFromPath(url.pathname);
  const release = id === undefined ? undefined : await ctx.store.releases.get(id);
  if (!release) throw new HttpError(404, "no release with this address: it may have been mistyped");
  sendHtml(res, 200, renderReleasePage(release), req.method === "HEAD", { "Cache-Control": "public, max-age=300" });
}
