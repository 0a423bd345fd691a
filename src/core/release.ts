/** A block of a release body: a paragraph of plain text, or a bullet list of plain-text items. */
export type Block =
  | { readonly type: "paragraph"; readonly text: string }
  | { readonly type: "list"; readonly items: readonly string[] };

/**
 * The one normalised shape every source produces. All text is plain text (never HTML):
 * renderers escape it for their output format.
 */
export interface Release {
  /** Canonical id, a `tag:` URI, stable across runs and sources (see `canonicalId`). */
  readonly id: string;
  readonly title: string;
  /** Slug of the kind: `press-release`, `speech`, `news-story`, `guidance`, ... */
  readonly kind: string;
  /** The issuing department, e.g. `Home Office`. */
  readonly department: string;
  /** London calendar date (`YYYY-MM-DD`) people see as the release date. Never shifted by a zone. */
  readonly date: string;
  /** UTC instant (ISO 8601) of first publication when the source gives one. */
  readonly publishedAt?: string;
  readonly summary: string;
  readonly body: readonly Block[];
  /** Canonical public URL where one is known. */
  readonly url?: string;
  /** Change note attached to this version by the source (GOV.UK change history), if any. */
  readonly changeNote?: string;
}

/** Where one release was seen: a source, an URL there, and when Pressroom first saw it. */
export interface Provenance {
  readonly sourceId: string;
  /**
   * Which text lineage this sighting belongs to: all dumps share `dump` (they are copies of one
   * archive); a live source is its own lineage. A revision is a change within one lineage, so two
   * sources that render one release differently never flip-flop it.
   */
  readonly origin: string;
  readonly url?: string;
  /** The source's own id for the item (GOV.UK entry id, WordPress guid, ...). */
  readonly sourceItemId?: string;
  readonly firstSeenAt: string;
  /** Hash of the text this source last gave; a revision is a change of the same source's text. */
  readonly lastHash?: string;
  /** The source's version stamp last seen (see `SourceItem.version`). */
  readonly lastVersion?: string;
  /**
   * First recorded by the source's baseline, which queues no alerts. A release every sighting of
   * which is such still alerts as new when an established source first sees it.
   */
  readonly baseline?: true;
}

/** One stored version of a release's text. */
export interface Revision {
  /** Identity of this revision: the content hash, plus the source's version stamp when only that changed. */
  readonly hash: string;
  /** UTC instant Pressroom recorded this revision. */
  readonly recordedAt: string;
  readonly title: string;
  readonly summary: string;
  readonly body: readonly Block[];
  readonly changeNote?: string;
}

/** What a release is found by in search: its text and its kind, nothing else. */
export type ReleaseText = Pick<Release, "title" | "summary" | "body" | "kind">;

/** The texts of a release, in order: title, summary, then each paragraph and each list item (a search phrase never spans two). */
export function releaseTexts(release: ReleaseText): string[] {
  const out = [release.title, release.summary];
  for (const block of release.body) {
    if (block.type === "paragraph") out.push(block.text);
    else out.push(...block.items);
  }
  return out;
}

/** A release as the store holds it: the current text plus its history. */
export interface StoredRelease extends Release {
  /** UTC instant of the first revision. */
  readonly firstSeenAt: string;
  /** UTC instant of the latest revision; the Atom `updated`. */
  readonly updatedAt: string;
  /** Content hash of the current revision. */
  readonly hash: string;
  /** All revisions, oldest first; the last one is the current text. */
  readonly revisions: readonly Revision[];
  readonly provenance: readonly Provenance[];
}
