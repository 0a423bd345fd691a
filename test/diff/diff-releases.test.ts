import { describe, expect, it } from "vitest";
import { canonicalId } from "../../src/core/ids.js";
import type { Release, StoredRelease } from "../../src/core/release.js";
import type { SourceItem } from "../../src/core/source.js";
import { diffReleases } from "../../src/diff/diff-releases.js";

const release = (title: string, text: string, date = "2023-10-30"): Release => ({
  id: canonicalId("Home Office", date, title), title, kind: "press-release", department: "Home Office", date, summary: text, body: [{ type: "paragraph", text }],
});
const item = (r: Release, url?: string): SourceItem => ({ release: r, ...(url ? { url } : {}) });

function run(items: SourceItem[], existing: (StoredRelease | undefined)[], sourceId = "sample", origin = "dump", now = "2026-11-29T10:00:00.000Z") {
  return diffReleases({ sourceId, origin, items, existing, now });
}

describe("diffReleases", () => {
  it("classifies new, unchanged and revised", () => {
    const first = run([item(release("A", "one")), item(release("B", "two"))], [undefined, undefined]);
    expect(first.counts).toEqual({ new: 2, revised: 0, unchanged: 0 });
    const [a, b] = first.toWrite as StoredRelease[];
    const second = run([item(release("A", "one")), item(release("B", "two, edited"))], [a, b], "sample", "dump", "2026-11-30T10:00:00.000Z");
    expect(second.counts).toEqual({ new: 0, revised: 1, unchanged: 1 });
    const revised = second.changes.find((c) => c.type === "revised");
    expect(revised?.type === "revised" && revised.release.revisions).toHaveLength(2);
    expect(revised?.release.id).toBe(b!.id);
    expect(revised?.release.updatedAt).toBe("2026-11-30T10:00:00.000Z");
    expect(revised?.release.firstSeenAt).toBe("2026-11-29T10:00:00.000Z");
  });

  it("does not treat a re-render with other spaces and quotes as an edit", () => {
    const [a] = run([item(release("Home Secretary’s speech", "It’s vital\u00a0that"))], [undefined]).toWrite as StoredRelease[];
    const again = run([item(release("Home Secretary's speech", "It's vital  that"))], [a]);
    expect(again.counts).toEqual({ new: 0, revised: 0, unchanged: 1 });
  });

  it("treats another dump with edited text as a revision (one lineage)", () => {
    const [a] = run([item(release("A", "one"))], [undefined]).toWrite as StoredRelease[];
    const other = run([item(release("A", "one, corrected"))], [a], "import-b", "dump");
    expect(other.counts.revised).toBe(1);
  });

  it("never flip-flops between two sources that render one release differently", () => {
    const [a] = run([item(release("A", "dump text"))], [undefined]).toWrite as StoredRelease[];
    const live = run([item(release("A", "gov.uk text"), "https://www.gov.uk/government/news/a")], [a], "govuk", "govuk");
    expect(live.counts).toEqual({ new: 0, revised: 0, unchanged: 1 });
    const merged = live.toWrite[0]!;
    expect(merged.provenance.map((p) => p.sourceId).sort()).toEqual(["govuk", "sample"]);
    const dumpAgain = run([item(release("A", "dump text"))], [merged]);
    expect(dumpAgain.counts.revised).toBe(0);
    const liveAgain = run([item(release("A", "gov.uk text"), "https://www.gov.uk/government/news/a")], [dumpAgain.toWrite[0] ?? merged], "govuk", "govuk");
    expect(liveAgain.counts.revised).toBe(0);
  });

  it("merges the same release appearing twice in one batch", () => {
    const r = release("A", "one");
    const result = run([item(r), item({ ...r, id: "tag:x,2023:other", date: "2023-10-31" })], [undefined, undefined]);
    expect(result.counts).toEqual({ new: 1, revised: 0, unchanged: 1 });
    expect(result.toWrite).toHaveLength(1);
  });

  it("marks a quiet read's sightings as baseline, and takes an established source's first sighting of such a release as new", () => {
    const r = release("A", "one");
    const quiet = diffReleases({ sourceId: "newcomer", origin: "newcomer", items: [item(r)], existing: [undefined], now: "2026-11-29T10:00:00.000Z", quiet: true });
    const [stored] = quiet.toWrite as StoredRelease[];
    expect(stored!.provenance).toEqual([expect.objectContaining({ sourceId: "newcomer", baseline: true })]);
    // The newcomer's own later sightings stay baseline and stay unchanged.
    const own = run([item(r)], [stored], "newcomer", "newcomer");
    expect(own.counts).toEqual({ new: 0, revised: 0, unchanged: 1 });
    expect(own.toWrite).toEqual([]);
    // Another source's quiet read of it is no alert either.
    expect(diffReleases({ sourceId: "other", origin: "dump", items: [item(r)], existing: [stored], now: "2026-11-29T11:00:00.000Z", quiet: true }).counts.new).toBe(0);
    // An established source seeing it first: new, once; its sighting is not baseline.
    const seen = run([item(r)], [stored], "sample", "dump", "2026-11-29T12:00:00.000Z");
    expect(seen.counts).toEqual({ new: 1, revised: 0, unchanged: 0 });
    const merged = seen.toWrite[0]!;
    expect(merged.id).toBe(stored!.id);
    expect(merged.firstSeenAt).toBe(stored!.firstSeenAt);
    expect(merged.provenance.find((p) => p.sourceId === "sample")?.baseline).toBeUndefined();
    expect(run([item(r)], [merged], "govuk", "govuk").counts).toEqual({ new: 0, revised: 0, unchanged: 1 });
  });

  it("takes an established source's first, edited text of a release known only from a baseline as new, with the revision kept", () => {
    const [stored] = diffReleases({ sourceId: "newcomer", origin: "dump", items: [item(release("A", "one"))], existing: [undefined], now: "2026-11-29T10:00:00.000Z", quiet: true }).toWrite as StoredRelease[];
    const edited = run([item(release("A", "one, corrected"))], [stored], "sample", "dump", "2026-11-29T12:00:00.000Z");
    expect(edited.counts).toEqual({ new: 1, revised: 0, unchanged: 0 });
    expect(edited.toWrite[0]?.revisions).toHaveLength(2);
  });
});
