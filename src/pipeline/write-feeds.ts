import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { mkdir } from "node:fs/promises";
import type { Config } from "../config/schema.js";
import type { FeedWritten } from "../core/run.js";
import { ALL_FEED, allFeedMeta, archiveFeedMeta, feedFileFor, type FeedSite, kindFeedMeta, renderAtomFeed, topicFeedMeta } from "../feeds/index.js";
import type { Store } from "../store/open-store.js";
import { writeFileDurably } from "../store/durable-file.js";

/** Site-wide feed settings from config. */
function siteOf(config: Config): FeedSite {
  const { title, baseUrl, entries, websubHub } = config.feeds;
  return { title, baseUrl, entries, ...(websubHub ? { hubUrl: websubHub } : {}) };
}

/** Renders one feed by name from the store. Archive feeds hold their whole month (RFC 5005). */
export async function renderFeed(config: Config, store: Store, name: string): Promise<{ xml: string; entries: number }> {
  const site = siteOf(config);
  const months = await store.releases.months();
  const [group, rest = ""] = name.split("/", 2) as [string, string?];
  if (group === "archive") {
    const releases = await store.releases.inMonth(rest);
    return { xml: renderAtomFeed(archiveFeedMeta(site, rest, months, releases), releases), entries: releases.length };
  }
  const releases = await store.releases.getMany((await store.feedIndex.entries(name)).map((e) => e.id));
  const meta =
    name === ALL_FEED ? allFeedMeta(site, releases, months)
    : group === "kinds" ? kindFeedMeta(site, rest, releases)
    : topicFeedMeta(site, config.feeds.topics.find((t) => t.name === rest) ?? { name: rest, query: rest }, releases);
  return { xml: renderAtomFeed(meta, releases), entries: Math.min(releases.length, config.feeds.entries) };
}

async function sameContent(file: string, xml: string): Promise<boolean> {
  try {
    return (await readFile(file, "utf8")) === xml;
  } catch {
    return false;
  }
}

/** Renders the dirty feeds into `<state>/feeds/`, writing only files whose bytes changed. */
export async function writeDirtyFeeds(config: Config, store: Store): Promise<FeedWritten[]> {
  const dirty = await store.feedIndex.dirty();
  const written: FeedWritten[] = [];
  for (const name of dirty) {
    const { xml, entries } = await renderFeed(config, store, name);
    const file = store.path("feeds", feedFileFor(name));
    if (!(await sameContent(file, xml))) {
      await mkdir(dirname(file), { recursive: true });
      await writeFileDurably(file, xml);
      written.push({ name, file: `feeds/${feedFileFor(name)}`, entries });
    }
  }
  await store.feedIndex.clearDirty(dirty);
  return written;
}
