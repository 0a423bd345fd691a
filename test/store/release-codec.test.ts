import { describe, expect, it } from "vitest";
import type { Block, StoredRelease } from "../../src/core/release.js";
import { decodeRelease, encodeRelease } from "../../src/store/release-codec.js";
import { makeRelease } from "./contract/fixtures.js";

/** What an engine does: encode, write as JSON, read it back, decode. */
const roundTrip = (release: StoredRelease): StoredRelease => decodeRelease(JSON.parse(JSON.stringify(encodeRelease(release))) as StoredRelease);
const bodyText = (release: StoredRelease) => (release.body[0] as Extract<Block, { type: "paragraph" }>).text;
const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

describe("release codec", () => {
  it("writes a release seen once with its body once, and reads back the same release", () => {
    const release = makeRelease("Police urged to double stop and search", "2023-10-31");
    const json = JSON.stringify(encodeRelease(release));
    expect(occurrences(json, bodyText(release))).toBe(1);
    expect(occurrences(JSON.stringify(release), bodyText(release))).toBe(2);
    const back = roundTrip(release);
    expect(back).toEqual(release);
    // The last revision is the release's own text again, as the diff makes it.
    expect(back.revisions.at(-1)!.body).toBe(back.body);
  });

  it("keeps every earlier revision whole and packs only the current one", () => {
    const release = makeRelease("Home Secretary statement on small boats", "2023-10-31", { earlierTitles: ["Statement on Channel crossings", "Statement on crossings"] });
    const encoded = encodeRelease(release) as { revisions: Record<string, unknown>[] };
    expect(encoded.revisions.map((r) => "current" in r)).toEqual([false, false, true]);
    expect(encoded.revisions[0]).toBe(release.revisions[0]);
    expect(roundTrip(release)).toEqual(release);
    expect(release.revisions).toHaveLength(3);
  });

  it("writes whole a last revision that is not the current text", () => {
    const release = makeRelease("Asylum backlog cleared", "2023-11-02");
    const cases: StoredRelease[] = [
      { ...release, title: "Asylum backlog cleared today" },
      { ...release, summary: "Another summary" },
      { ...release, body: [{ type: "paragraph", text: "A different body" }] },
      { ...release, changeNote: "Corrected a figure" },
      { ...release, changeNote: "" , revisions: [{ ...release.revisions[0]!, changeNote: "" }] },
      { ...release, revisions: [] },
    ];
    for (const c of cases) {
      expect(encodeRelease(c)).toBe(c);
      expect(roundTrip(c)).toEqual(c);
    }
  });

  it("packs a revision equal to the current text even when it is another object, and carries the change note", () => {
    const plain = makeRelease("Fraud strategy published", "2023-11-03");
    const parsedBack = JSON.parse(JSON.stringify(plain)) as StoredRelease;
    expect(parsedBack.revisions.at(-1)!.body).not.toBe(parsedBack.body);
    expect("current" in (encodeRelease(parsedBack) as { revisions: object[] }).revisions.at(-1)!).toBe(true);
    const noted: StoredRelease = { ...plain, changeNote: "Added a link", revisions: [{ ...plain.revisions[0]!, changeNote: "Added a link" }] };
    expect("current" in (encodeRelease(noted) as { revisions: object[] }).revisions.at(-1)!).toBe(true);
    expect(roundTrip(noted)).toEqual(noted);
  });

  it("reads a release written whole (before the codec) as it is", () => {
    const release = makeRelease("Knife crime figures", "2023-11-04", { earlierTitles: ["Knife crime"] });
    const old = JSON.parse(JSON.stringify(release)) as StoredRelease;
    expect(decodeRelease(old)).toEqual(release);
  });
});
