import type { Config } from "../config/schema.js";
import type { DirtyMark, FeedRender, StateStore } from "../core/ports.js";
import type { FeedWritten } from "../core/run.js";
import { piecesLength } from "../core/text-pieces.js";
import { ALL_FEED, allFeedMeta, archiveFeedMeta, feedFileFor, type FeedSite, kindFeedMeta, renderAtomFeedPieces, topicFeedMeta } from "../feeds/index.js";

/** Site-wide feed settings from config. */
function siteOf(config: Config): FeedSite {
  const { title, baseUrl, entries, websubHub } = config.feeds;
  return { title, baseUrl, entries, ...(websubHub ? { hubUrl: websubHub } : {}) };
}

/** Renders one feed by name from the store. Archive feeds hold their whole month (RFC 5005). */
export async function renderFeed(config: Config, store: StateStore, name: string, months?: readonly string[]): Promise<FeedRender> {
  const site = siteOf(config);
  const allMonths = months ?? (await store.releases.months());
  const [group, rest = ""] = name.split("/", 2) as [string, string?];
  if (group === "archive") {
    const releases = await store.releases.inMonth(rest);
    return { name, xml: renderAtomFeedPieces(archiveFeedMeta(site, rest, [...allMonths], releases), releases), entries: releases.length };
  }
  const releases = await store.releases.getMany((await store.feeds.entries(name)).map((e) => e.id));
  const meta =
    name === ALL_FEED ? allFeedMeta(site, releases, [...allMonths])
    : group === "kinds" ? kindFeedMeta(site, rest, releases)
    : topicFeedMeta(site, config.feeds.topics.find((t) => t.name === rest) ?? { name: rest, query: rest }, releases);
  return { name, xml: renderAtomFeedPieces(meta, releases), entries: Math.min(releases.length, config.feeds.entries) };
}

/**
 * Feeds rendered per publish, at most: bounded memory however many feeds a big import dirtied. A
 * publish also comes once the documents rendered hold PUBLISH_CHARS: an archive feed holds its whole
 * month, and twenty months of a 100,000-release import held 200 MB of documents at once.
 */
const PUBLISH_BATCH = 20;
const PUBLISH_CHARS = 8 * 1024 * 1024;

/** Renders the dirty feeds and publishes them; the store keeps a feed whose bytes did not change. */
export async function writeDirtyFeeds(
  config: Config,
  store: StateStore,
  onProgress?: (done: number, total: number) => void,
  limits: { readonly feeds: number; readonly chars: number } = { feeds: PUBLISH_BATCH, chars: PUBLISH_CHARS },
): Promise<FeedWritten[]> {
  // With their versions: a feed another instance marks again while this one renders it stays dirty.
  const marks = await store.feeds.dirtyMarks();
  const dirty = marks.map((m) => m.feed);
  const months = await store.releases.months();
  const written: FeedWritten[] = [];
  let renders: FeedRender[] = [];
  let rendered: DirtyMark[] = [];
  let chars = 0;
  const publish = async (done: number) => {
    const changed = new Set(await store.feeds.publish(renders, rendered));
    for (const r of renders) if (changed.has(r.name)) written.push({ name: r.name, file: `feeds/${feedFileFor(r.name)}`, entries: r.entries });
    renders = [];
    rendered = [];
    chars = 0;
    onProgress?.(done, dirty.length);
  };
  for (let i = 0; i < dirty.length; i++) {
    const render = await renderFeed(config, store, dirty[i]!, months);
    renders.push(render);
    rendered.push(marks[i]!);
    chars += piecesLength(render.xml);
    if (renders.length >= limits.feeds || chars >= limits.chars || i === dirty.length - 1) await publish(i + 1);
  }
  return written;
}
