/** Everything about a feed document except its entries. */
export interface FeedMeta {
  /** A `tag:` URI (see `feedIdFor`). */
  readonly id: string;
  /** Plain text. */
  readonly title: string;
  /** Plain text, optional `<subtitle>`. */
  readonly subtitle?: string;
  /** Absolute URL of this document (`rel="self"`). */
  readonly selfUrl: string;
  /** Absolute URL of the web page for this feed (`rel="alternate"`). */
  readonly alternateUrl?: string;
  /** The feed `updated`: pass it explicitly (`latestUpdate(releases)`); `feed` would otherwise use now. */
  readonly updated: Date;
  /** Feed author; defaults to `Pressroom`. Every entry also carries its department as author. */
  readonly author?: { readonly name: string };
  /** WebSub hub (`rel="hub"`). */
  readonly hubUrl?: string;
  /** `xml:lang` of the document; default `en-GB`. */
  readonly lang?: string;
  /** Keep only the newest N entries (after sorting). */
  readonly maxEntries?: number;
  /**
   * This document is an RFC 5005 archived feed (section 4): adds `<fh:archive/>`, `rel="current"`
   * (the subscription feed) and `prev-archive` / `next-archive` where those archives exist.
   */
  readonly archive?: { readonly current: string; readonly prev?: string; readonly next?: string };
  /** Subscription feed only: `rel="prev-archive"` to the newest archive document. */
  readonly prevArchive?: string;
  /** RFC 5005 section 2: the document holds every entry of the feed (`<fh:complete/>`). */
  readonly complete?: boolean;
  /** Base URL of the server: an entry without a URL of its own links to its page, `<base>/releases/<id>`. */
  readonly releasePageBase?: string;
}
