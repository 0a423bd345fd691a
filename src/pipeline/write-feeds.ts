import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { mkdir } from "node:fs/promises";
import type { Config } from "../config/schema.js";
import type { FeedWritten } from "../core/run.js";
import type { StoredRelease } from "../core/release.js";
import { ALL_FEED, archiveFeedName, feedFileFor, feedIdFor, feedUrlFor, kindLabel } from "../feeds/feed-names.js";
import type { FeedMeta } from "../feeds/feed-meta.js";
import { latestUpdate } from "../feeds/entry-order.js";
import { renderAtomFeed } from "../feeds/render-atom.js";
import type { Store } from "../store/open-store.js";
import { writeFileDurably } from "../store/durable-file.js";

function titleFor(config: Config, name: string): string {
  const base = config.feeds.title;
  if (name === ALL_FEED) return base;
  const [group, rest = ""] = name.split("/", 2) as [string, string?];
  if (group === "kinds") return `${base}: ${kindLabel(rest)}s`;
  if (group === "topics") return `${base}: ${config.feeds.topics.find((t) => t.name === rest)?.title ?? rest}`;
  if (group === "archive") return `${base}: archive ${rest}`;
  return `${base}: ${name}`;
}

/** Renders one feed by name from the store. Archive feeds hold their whole month (RFC 5005). */
export async function renderFeed(config: Config, store: Store, name: string): Promise<{ xml: string; entries: number }> {
  const base = config.feeds.baseUrl;
  const months = await store.releases.months();
  let releases: StoredRelease[];
  let meta: Omit<FeedMeta, "updated">;
  if (name.startsWith("archive/")) {
    const month = name.slice("archive/".length);
    const i = months.indexOf(month);
    releases = await store.releases.inMonth(month);
    const prev = i > 0 ? months[i - 1] : undefined;
    const next = i >= 0 && i < months.length - 1 ? months[i + 1] : undefined;
    meta = {
      id: feedIdFor(name),
      title: titleFor(config, name),
      selfUrl: feedUrlFor(base, name),
      archive: {
        current: feedUrlFor(base, ALL_FEED),
        ...(prev ? { prev: feedUrlFor(base, archiveFeedName(prev)) } : {}),
        ...(next ? { next: feedUrlFor(base, archiveFeedName(next)) } : {}),
      },
    };
  } else {
    releases = await store.releases.getMany((await store.feedIndex.entries(name)).map((e) => e.id));
    const newest = months[months.length - 1];
    meta = {
      id: feedIdFor(name),
      title: titleFor(config, name),
      selfUrl: feedUrlFor(base, name),
      alternateUrl: `${base.replace(/\/+$/, "")}/`,
      maxEntries: config.feeds.entries,
      ...(name === ALL_FEED && newest ? { prevArchive: feedUrlFor(base, archiveFeedName(newest)) } : {}),
      ...(config.feeds.websubHub ? { hubUrl: config.feeds.websubHub } : {}),
    };
  }
  const xml = renderAtomFeed({ ...meta, updated: latestUpdate(releases) }, releases);
  return { xml, entries: Math.min(releases.length, meta.maxEntries ?? releases.length) };
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
