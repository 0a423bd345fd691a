import type { Revision, StoredRelease } from "../core/release.js";

/*
 * How both engines write a release: the last revision is the current text (`StoredRelease`), so
 * when its title, summary, body and change note are the release's own it is written without them,
 * as `{"hash", "recordedAt", "current": true}`, and filled in from the release when read. A release
 * seen once (nearly all of them) was written with its body twice; now once, which halves what an
 * import stringifies, writes, reads back and parses. A release written whole (before this, or with
 * a last revision that differs) reads as it is.
 */

/** The last revision as written when it is the current text. */
interface CurrentRevision {
  readonly hash: string;
  readonly recordedAt: string;
  readonly current: true;
}

const sameBody = (a: Revision["body"], b: Revision["body"]): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/** Whether `revision` holds exactly the release's current text (so it can be written without it). */
function isCurrent(release: StoredRelease, revision: Revision): boolean {
  return (
    revision.title === release.title &&
    revision.summary === release.summary &&
    // A change note is carried by the revision only when the release has a non-empty one.
    revision.changeNote === (release.changeNote || undefined) &&
    sameBody(revision.body, release.body)
  );
}

/** What JSON.stringify is given for a release: the release itself, or a copy whose last revision is `current`. */
export function encodeRelease(release: StoredRelease): object {
  const last = release.revisions[release.revisions.length - 1];
  if (!last || !isCurrent(release, last)) return release;
  const current: CurrentRevision = { hash: last.hash, recordedAt: last.recordedAt, current: true };
  return { ...release, revisions: [...release.revisions.slice(0, -1), current] };
}

/** A release as parsed from what `encodeRelease` gave (or from a release written whole): its last revision filled in. */
export function decodeRelease(parsed: StoredRelease): StoredRelease {
  const revisions = parsed.revisions;
  const last = revisions[revisions.length - 1] as Revision | CurrentRevision | undefined;
  if (!last || !("current" in last) || last.current !== true) return parsed;
  const filled: Revision = {
    hash: last.hash,
    recordedAt: last.recordedAt,
    title: parsed.title,
    summary: parsed.summary,
    body: parsed.body,
    ...(parsed.changeNote ? { changeNote: parsed.changeNote } : {}),
  };
  (revisions as Revision[])[revisions.length - 1] = filled;
  return parsed;
}
