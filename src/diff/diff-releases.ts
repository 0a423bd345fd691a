import { contentHash, shortHash } from "../core/ids.js";
import { IdentityIndex } from "../core/identity.js";
import type { Provenance, Release, StoredRelease } from "../core/release.js";
import type { SourceItem } from "../core/source.js";
import { describeChanges } from "./describe-changes.js";

export type Change =
  /**
   * `previous`: the text this sighting replaced, when it also edited a release known only from
   * baselines (it alerts as new, yet feeds placed by the earlier text must follow the new one).
   */
  | { readonly type: "new"; readonly item: SourceItem; readonly release: StoredRelease; readonly previous?: StoredRelease }
  | { readonly type: "revised"; readonly item: SourceItem; readonly previous: StoredRelease; readonly release: StoredRelease; readonly changes: string }
  | { readonly type: "unchanged"; readonly item: SourceItem; readonly release: StoredRelease };

export interface DiffInput {
  readonly sourceId: string;
  /** Text lineage of the source (`dump` for every dump, else the source id). */
  readonly origin: string;
  readonly items: readonly SourceItem[];
  /** What the store holds for each item (same order), or undefined. */
  readonly existing: readonly (StoredRelease | undefined)[];
  /** UTC instant of this run. */
  readonly now: string;
  /** This read queues no alerts (the source's baseline): its sightings are marked `baseline`. */
  readonly quiet?: boolean;
}

export interface DiffResult {
  readonly changes: readonly Change[];
  /** Releases to write back: new, revised, or with new provenance. */
  readonly toWrite: readonly StoredRelease[];
  readonly counts: { readonly new: number; readonly revised: number; readonly unchanged: number };
}

function provenanceFor(input: DiffInput, item: SourceItem, hash: string, prior?: Provenance): Provenance {
  return {
    sourceId: input.sourceId,
    origin: input.origin,
    url: item.url ?? prior?.url,
    sourceItemId: item.sourceItemId ?? prior?.sourceItemId,
    firstSeenAt: prior?.firstSeenAt ?? input.now,
    lastHash: hash,
    ...(item.version ?? prior?.lastVersion ? { lastVersion: item.version ?? prior?.lastVersion } : {}),
    ...((prior ? prior.baseline : input.quiet) ? { baseline: true as const } : {}),
  };
}

function createStored(input: DiffInput, item: SourceItem, hash: string): StoredRelease {
  const r = item.release;
  return {
    ...r,
    url: r.url ?? item.url,
    firstSeenAt: input.now,
    updatedAt: input.now,
    hash,
    revisions: [{ hash, recordedAt: input.now, title: r.title, summary: r.summary, body: r.body, ...(r.changeNote ? { changeNote: r.changeNote } : {}) }],
    provenance: [provenanceFor(input, item, hash)],
  };
}

function withProvenance(stored: StoredRelease, p: Provenance): StoredRelease {
  const others = stored.provenance.filter((x) => x.sourceId !== p.sourceId);
  return { ...stored, provenance: [...others, p] };
}

function sameProvenance(a: Provenance | undefined, b: Provenance): boolean {
  return !!a && a.lastHash === b.lastHash && a.url === b.url && a.sourceItemId === b.sourceItemId && a.origin === b.origin && a.lastVersion === b.lastVersion;
}

/**
 * Applies a newer text of the same release: keeps id, date and first sighting; appends a revision
 * identified by `revisionId` (the content hash, or hash@version for an edit only the source's
 * version stamp shows).
 */
function revise(input: DiffInput, stored: StoredRelease, release: Release, hash: string, p: Provenance, revisionId = hash): StoredRelease {
  return withProvenance(
    {
      ...stored,
      title: release.title,
      summary: release.summary,
      body: release.body,
      url: stored.url ?? release.url,
      changeNote: release.changeNote,
      hash,
      updatedAt: input.now,
      revisions: [...stored.revisions, { hash: revisionId, recordedAt: input.now, title: release.title, summary: release.summary, body: release.body, ...(release.changeNote ? { changeNote: release.changeNote } : {}) }],
    },
    p,
  );
}

/**
 * Pure: classifies each item of one source as new, revised or unchanged against what is stored.
 * A revision is a change of text within one lineage (see `Provenance.origin`). Items that are the
 * same release within one batch are merged.
 */
export function diffReleases(input: DiffInput): DiffResult {
  // Releases of this batch so far, found by the same identity policy as the store (constant time per item).
  const working = new IdentityIndex();
  const changes: Change[] = [];
  const counts = { new: 0, revised: 0, unchanged: 0 };

  input.items.forEach((item, i) => {
    const hash = contentHash(item.release);
    const known = working.find({ ...item, sourceId: input.sourceId }) ?? input.existing[i];
    if (!known) {
      const stored = createStored(input, item, hash);
      working.set(stored);
      changes.push({ type: "new", item, release: stored });
      counts.new++;
      return;
    }
    const current = working.get(known.id) ?? known;
    const mine = current.provenance.find((p) => p.sourceId === input.sourceId);
    const lineage = current.provenance.filter((p) => p.origin === input.origin && p.lastHash);
    const lineageHashes = new Set(lineage.map((p) => p.lastHash));
    const p = provenanceFor(input, item, hash, mine);
    // Known only from baselines, which alerted nobody: this source's first sighting alerts as new.
    const unalerted = !input.quiet && !mine && current.provenance.length > 0 && current.provenance.every((x) => x.baseline);
    const isEdit = hash !== current.hash && lineage.length > 0 && !lineageHashes.has(hash);
    // GOV.UK marks an edit with a new version stamp even when the text its feed carries is the same.
    const versionEdit = !isEdit && hash === mine?.lastHash && mine.lastVersion !== undefined && item.version !== undefined && item.version !== mine.lastVersion;
    if (isEdit || versionEdit) {
      const release = versionEdit && !item.release.changeNote ? { ...item.release, changeNote: `Updated at the source (${item.version}).` } : item.release;
      const next = revise(input, current, release, hash, p, versionEdit ? `${hash}@${shortHash(item.version ?? "", 8)}` : hash);
      working.set(next);
      if (unalerted) {
        changes.push({ type: "new", item, release: next, previous: current });
        counts.new++;
        return;
      }
      changes.push({ type: "revised", item, previous: current, release: next, changes: describeChanges(current, next) });
      counts.revised++;
      return;
    }
    // Same text, or the first sighting in this lineage: record where it was seen, no revision.
    const next = sameProvenance(mine, p) ? current : withProvenance(current, p);
    if (next !== current || working.has(next.id)) working.set(next);
    if (unalerted) {
      changes.push({ type: "new", item, release: next });
      counts.new++;
      return;
    }
    changes.push({ type: "unchanged", item, release: next });
    counts.unchanged++;
  });

  return { changes, toWrite: [...working.values()], counts };
}
