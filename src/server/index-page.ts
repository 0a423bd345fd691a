import type { Config } from "../config/schema.js";
import { formatLondonDate } from "../core/london.js";
import type { Release } from "../core/release.js";
import { escapeHtml } from "../core/text.js";
import { kindLabel } from "../feeds/feed-names.js";
import { describeDigestTime } from "../mail/index.js";
import { renderPage } from "./page-layout.js";
import { releasePath } from "./release-page.js";

export interface FeedLink {
  readonly title: string;
  /** Site-relative path, e.g. `/feeds/all.atom`. */
  readonly href: string;
}

export interface IndexData {
  readonly subscriptionFeeds: readonly FeedLink[];
  readonly archives: readonly FeedLink[];
}

/** The feeds the index lists: all, each kind seen, each named topic; and the monthly archives. */
export function listFeeds(config: Config, feedNames: readonly string[], months: readonly string[]): IndexData {
  const base = config.feeds.title;
  const kinds = feedNames.filter((n) => n.startsWith("kinds/")).map((n) => ({ title: `${kindLabel(n.slice(6))}s`, href: `/feeds/${n}.atom` }));
  const topics = config.feeds.topics.map((t) => ({ title: `Topic: ${t.title ?? t.query}`, href: `/feeds/topics/${t.name}.atom` }));
  return {
    subscriptionFeeds: [{ title: base, href: "/feeds/all.atom" }, ...kinds, ...topics],
    archives: [...months].sort().reverse().map((m) => ({ title: `Archive ${m}`, href: `/feeds/archive/${m}.atom` })),
  };
}

const link = (f: FeedLink) => `<li><a href="${escapeHtml(f.href)}">${escapeHtml(f.title)}</a></li>`;

/** Short help for the query language, shown beside the live-feed box. */
export const QUERY_HELP = `<details open id="query-help"><summary>How to write a query</summary>
<ul>
<li><code>asylum</code>: releases that mention the word (any form: <em>asylum</em>, <em>asylums</em>)</li>
<li><code>"small boats"</code> or <code>‘small boats’</code>: the exact phrase</li>
<li><code>asylum AND hotels</code>, <code>asylum OR refugee</code>, <code>asylum AND NOT hotels</code>; brackets group: <code>(visa OR visas) AND students</code></li>
<li><code>title:knife</code>, <code>summary:police</code>, <code>body:"facial recognition"</code>: in one part only</li>
<li><code>kind:speech</code>, <code>kind:press-release</code>, <code>kind:news-story</code>: one kind of release</li>
</ul>
<p>Operators are written in capitals (<code>and</code> is a word). Queries are at most 500 characters.</p>
</details>`;

function latestHtml(releases: readonly Release[]): string {
  if (releases.length === 0) return "";
  const items = releases
    .map((r) => `<li><a href="${escapeHtml(releasePath(r.id))}">${escapeHtml(r.title)}</a> <small>${escapeHtml(kindLabel(r.kind))}, ${escapeHtml(formatLondonDate(r.date))}</small></li>`)
    .join("");
  return `<h2>Latest releases</h2>\n<ul id="latest">${items}</ul>`;
}

/** `Daily digest (18:00 London)`, or without the time when the schedule's expression has no one time. */
const digestOption = (label: string, time: string | undefined) => escapeHtml(time === undefined ? label : `${label} (${time})`);

/** The home page: latest releases, feed list with autodiscovery links, a live-feed box with query help and the subscribe form. */
export function renderIndexPage(config: Config, data: IndexData, latest: readonly Release[] = []): string {
  const head = data.subscriptionFeeds
    .map((f) => `<link rel="alternate" type="application/atom+xml" title="${escapeHtml(f.title)}" href="${escapeHtml(f.href)}">`)
    .join("\n");
  const archives = data.archives.length ? `<h2>Monthly archives</h2>\n<p>Complete archived feeds (RFC 5005), one per month.</p>\n<ul>${data.archives.map(link).join("")}</ul>` : "";
  const body = `<p>Home Office press releases, speeches and news as Atom feeds and email alerts.</p>
<h2>Feeds</h2>
<ul>${data.subscriptionFeeds.map(link).join("")}</ul>
<h2>Feed for any topic</h2>
<form method="get" action="/feeds/topics">
<label for="q">Query, e.g. <code>asylum AND kind:press-release</code></label>
<input id="q" name="q" required maxlength="500">
<button type="submit">Open feed</button>
</form>
${QUERY_HELP}
${latestHtml(latest)}
${archives}
<h2>Email alerts</h2>
<form method="post" action="/subscribe">
<label for="email">Email address</label>
<input id="email" name="email" type="email" required maxlength="254" autocomplete="email">
<label for="query">Topic</label>
<input id="query" name="query" required maxlength="500" placeholder="small boats OR &quot;illegal migration&quot;">
<label for="frequency">How often</label>
<select id="frequency" name="frequency">
<option value="immediate">As soon as a release matches</option>
<option value="daily">${digestOption("Daily digest", describeDigestTime("daily", config.schedule))}</option>
<option value="weekly">${digestOption("Weekly digest", describeDigestTime("weekly", config.schedule))}</option>
</select>
<button type="submit">Subscribe</button>
</form>
<p>We send one email to confirm; nothing is sent until you follow its link.</p>`;
  return renderPage({ title: config.feeds.title, head, body });
}
