import { formatLondonDate } from "../core/london.js";
import { escapeHtml } from "../core/text.js";
import type { DeliverySnapshot } from "../core/subscription.js";
import { highlightSegments } from "./highlight.js";

/** One release as an email shows it, with the links already built. */
export interface AlertItem {
  readonly snapshot: DeliverySnapshot;
  readonly revision: boolean;
  readonly topics: readonly { readonly query: string; readonly unsubscribeUrl: string }[];
}

export interface AlertBody {
  readonly intro: string;
  readonly items: readonly AlertItem[];
  readonly unsubscribeAllUrl: string;
}

function kindLabel(kind: string): string {
  const words = kind.replace(/[-_]+/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : "Release";
}

function metaLine(s: DeliverySnapshot): string {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(s.date) ? formatLondonDate(s.date) : s.date;
  return [s.department, kindLabel(s.kind), date].filter(Boolean).join(" · ");
}

/** Only http(s) links are shown as links. */
function safeUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

function quoted(query: string): string {
  return `“${query}”`;
}

function itemText(item: AlertItem): string {
  const s = item.snapshot;
  const lines = [`${item.revision ? "Updated: " : ""}${s.title}`, metaLine(s)];
  const url = safeUrl(s.url);
  if (url) lines.push(url);
  lines.push("");
  const snippet = highlightSegments(s.snippet).map((g) => (g.marked ? `«${g.text}»` : g.text)).join("");
  if (snippet) lines.push(`  ${snippet}`, "");
  if (item.revision && s.changes) lines.push(`What changed: ${s.changes}`, "");
  lines.push(`Why you got this: you subscribed to ${item.topics.map((t) => quoted(t.query)).join(" and ")}.`);
  for (const t of item.topics) lines.push(`Stop alerts for ${quoted(t.query)}: ${t.unsubscribeUrl}`);
  return lines.join("\n");
}

export function renderText(body: AlertBody): string {
  const parts = [body.intro, "", ...body.items.map(itemText).flatMap((t) => [t, "", "----", ""])];
  parts.push(`Unsubscribe from all Pressroom alerts: ${body.unsubscribeAllUrl}`, "");
  return parts.join("\n");
}

function itemHtml(item: AlertItem): string {
  const s = item.snapshot;
  const url = safeUrl(s.url);
  const title = `${item.revision ? "Updated: " : ""}${escapeHtml(s.title)}`;
  const heading = url ? `<a href="${escapeHtml(url)}">${title}</a>` : title;
  const snippet = highlightSegments(s.snippet)
    .map((g) => (g.marked ? `<mark>${escapeHtml(g.text)}</mark>` : escapeHtml(g.text)))
    .join("");
  const why = item.topics.map((t) => `<strong>${escapeHtml(quoted(t.query))}</strong>`).join(" and ");
  const stops = item.topics
    .map((t) => `<a href="${escapeHtml(t.unsubscribeUrl)}">Stop alerts for ${escapeHtml(quoted(t.query))}</a>`)
    .join(" · ");
  return [
    `<div class="release" style="margin:0 0 24px">`,
    `<h2 style="font-size:18px;margin:0 0 4px">${heading}</h2>`,
    `<p style="color:#555;margin:0 0 8px">${escapeHtml(metaLine(s))}</p>`,
    snippet ? `<blockquote style="margin:0 0 8px;padding-left:8px;border-left:3px solid #ccc">${snippet}</blockquote>` : "",
    item.revision && s.changes ? `<p><strong>What changed:</strong> ${escapeHtml(s.changes)}</p>` : "",
    url ? `<p><a href="${escapeHtml(url)}">Read the full release</a></p>` : "",
    `<p style="color:#555;font-size:13px">Why you got this: you subscribed to ${why}. ${stops}</p>`,
    `</div>`,
  ].filter(Boolean).join("\n");
}

export function renderHtml(body: AlertBody): string {
  return [
    `<!DOCTYPE html>`,
    `<html lang="en"><head><meta charset="utf-8"><title>Pressroom alert</title></head>`,
    `<body style="font-family:sans-serif;max-width:640px">`,
    `<p>${escapeHtml(body.intro)}</p>`,
    ...body.items.map(itemHtml),
    `<p style="color:#555;font-size:13px"><a href="${escapeHtml(body.unsubscribeAllUrl)}">Unsubscribe from all Pressroom alerts</a></p>`,
    `</body></html>`,
    ``,
  ].join("\n");
}
