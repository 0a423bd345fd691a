import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FeedEntry, SearchKeys } from "../../src/core/ports.js";
import { pairFilterOfKeys } from "../../src/store/pair-filter.js";
import { releaseIndexKeys } from "../../src/match/search-keys.js";
import { finishSegment, joinContents, memorySegment, newestFirst, parseJsonSegment, SegmentBuilder, withPairFilters, type Segment, type SegmentContents } from "../../src/store/lowdb/search-segment.js";
import { encodeSegment, idHash, openFileSegment } from "../../src/store/lowdb/search-segment-file.js";
import type { IndexedRelease } from "../../src/store/lowdb/packed-releases.js";
import { candidatesIn, intersectSorted, keyPostings, mergeCandidates, subtractSorted, unionSorted } from "../../src/store/lowdb/segment-candidates.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { makeRelease } from "./contract/fixtures.js";

/** `finishSegment` over a list of [key, ordinals] (and the entries' pair filters, in the order of `docs`). */
const finish = (docs: readonly FeedEntry[], lists: readonly (readonly [string, readonly number[]])[], filters?: readonly Uint8Array[]) => {
  const byKey = new Map(lists);
  return finishSegment(docs, [...byKey.keys()], (key) => byKey.get(key)!, filters);
};

/** A release's keys as strings alone, without the numbering src/match gives them. */
const plain: SearchKeys = (release) => {
  const { words, pairs } = releaseIndexKeys(release);
  return { words, pairs };
};

const sortedList = fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 120 }).map((a) => Uint32Array.from(a.sort((x, y) => x - y)));

/** The segment of `releases` built with `keys`, and built with the same keys as strings (`plain`). */
function builtBoth(releases: readonly IndexedRelease[], keys: SearchKeys): [SegmentContents, SegmentContents] {
  const given = new SegmentBuilder();
  const strings = new SegmentBuilder();
  for (const release of releases) {
    given.addRelease(release, keys);
    strings.addRelease(release, plain);
  }
  return [given.finish(), strings.finish()];
}

describe("sorted ordinal lists", () => {
  it("join, intersect and subtract as sets do, staying ascending", () => {
    fc.assert(
      fc.property(sortedList, sortedList, (a, b) => {
        const inB = new Set(b);
        expect([...unionSorted(a, b)]).toEqual([...new Set([...a, ...b])].sort((x, y) => x - y));
        expect([...intersectSorted(a, b)]).toEqual([...a].filter((x) => inB.has(x)));
        expect([...subtractSorted(a, b)]).toEqual([...a].filter((x) => !inB.has(x)));
      }),
      { numRuns: 300 },
    );
  });
});

/** Two ids with one FNV-1a hash (found by search): the entry table must tell them apart by the ids. */
const COLLIDING = ["tag:pressroom.invalid,2023-01-01:home-office/1wo8-x0", "tag:pressroom.invalid,2023-01-01:home-office/209o-x540"] as const;

/**
 * Entries, keys and pair filters: one key per tenth, unicode, a key of every entry; "facial" and
 * "recognition" side by side in every seventh entry (the pair in its filter), and both words but
 * not that pair in every thirteenth other one. `pairsPosted` gives the pairs as keys instead, as
 * segments of earlier versions did.
 */
function contents(n: number, pairsPosted = false): { docs: FeedEntry[]; lists: [string, number[]][]; filters?: Uint8Array[]; phrase: Set<string> } {
  const docs: FeedEntry[] = Array.from({ length: n }, (_, i) => ({ id: `tag:pressroom.invalid,2023-0${1 + (i % 9)}-1${i % 10}:home-office/r-${i}`, date: `2023-0${1 + (i % 9)}-1${i % 10}`, updatedAt: `2023-12-0${1 + (i % 3)}T00:00:00Z` }));
  docs[5] = { ...docs[5]!, id: COLLIDING[0] };
  const lists = new Map<string, number[]>();
  const pairs: string[][] = docs.map(() => []);
  const post = (key: string, ord: number) => lists.set(key, [...(lists.get(key) ?? []), ord]);
  const phrase = new Set<string>();
  docs.forEach((doc, i) => {
    post(`w${i % 10}`, i);
    post("every", i);
    if (i % 7 === 0 || i % 13 === 0) {
      post("facial", i);
      post("recognition", i);
      pairs[i]!.push(i % 7 === 0 ? "facial recognition" : "recognition facial");
      if (i % 7 === 0) phrase.add(doc.id);
    }
    if (i % 11 === 0) post("café", i);
    post(`code${i}`, i);
  });
  if (pairsPosted) docs.forEach((_, i) => pairs[i]!.forEach((pair) => post(pair, i)));
  return { docs, lists: [...lists], ...(pairsPosted ? {} : { filters: pairs.map((p) => pairFilterOfKeys(p)) }), phrase };
}

/** The ids of the entries a segment names for a key. */
const idsFor = (segment: Segment, key: string) => [...keyPostings(segment, key)].map((ord) => segment.doc(ord).id);

describe("search segment files (.idx)", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const open: Segment[] = [];
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir("pressroom-segment-")));
  afterEach(async () => {
    for (const s of open.splice(0)) s.close();
    await cleanup();
  });

  it("read back piecemeal give what was written: every key's postings, every entry, its pair filter, which releases they hold", async () => {
    expect(idHash(COLLIDING[0])).toBe(idHash(COLLIDING[1]));
    // 700 entries, 700+ keys: several dictionary blocks and entry chunks.
    const { docs, lists, filters, phrase } = contents(700);
    const finished = finish(docs, lists, filters);
    await writeFile(join(dir, "a.idx"), encodeSegment(finished));
    const file = openFileSegment(join(dir, "a.idx"));
    open.push(file);
    const memory = memorySegment(finished);
    expect(file.size).toBe(700);
    for (const key of [...finished.keys, "absent", "", "w", "zzz", "a"]) expect([...file.postings(key)], key).toEqual([...memory.postings(key)]);
    for (let ord = 0; ord < 700; ord++) expect(file.doc(ord)).toEqual(finished.docs[ord]);
    for (let ord = 0; ord < 700; ord++) expect([...file.filter(ord)]).toEqual([...finished.filters![ord]!]);
    // A pair: the entries holding both words whose filter may hold it. Here exactly the phrase's
    // entries (these hashes give no false positive among the others holding both words).
    expect(file.filtered).toBe(true);
    expect(new Set(idsFor(file, "facial recognition"))).toEqual(phrase);
    expect(idsFor(memory, "facial recognition")).toEqual(idsFor(file, "facial recognition"));
    expect(idsFor(file, "recognition facial").length).toBe(new Set([...file.postings("facial")].map((o) => file.doc(o).id)).size - phrase.size);
    expect(idsFor(file, "facial nothing")).toEqual([]);
    // Numbered newest first.
    for (let ord = 1; ord < 700; ord++) expect(newestFirst(file.doc(ord - 1), file.doc(ord))).toBeLessThan(0);
    for (const d of docs) expect(file.holds(d.id)).toBe(true);
    expect(file.holds(COLLIDING[1])).toBe(false);
    expect(file.holds("tag:pressroom.invalid,2023-01-01:home-office/nothing")).toBe(false);
    const back = await file.contents();
    expect(back.keys).toEqual(finished.keys);
    expect(back.docs).toEqual(finished.docs);
    expect([...back.offsets]).toEqual([...finished.offsets]);
    expect([...back.postings]).toEqual([...finished.postings]);
    expect(back.filters!.map((f) => [...f])).toEqual(finished.filters!.map((f) => [...f]));
  });

  it("written by a commit (JSON) keep each release's pair filter and post no pair: a phrase names the releases holding it", () => {
    const builder = new SegmentBuilder();
    const adjacent = makeRelease("Police expand facial recognition vans", "2023-10-02");
    const apart = makeRelease("Recognition for facial injuries compensation", "2023-10-03");
    const neither = makeRelease("Border fraud charges", "2023-10-04");
    for (const release of [adjacent, apart, neither]) builder.addRelease(release, releaseIndexKeys);
    const json = parseJsonSegment(builder.toJson());
    expect(json.filtered).toBe(true);
    expect(json.size).toBe(3);
    for (const segment of [json, memorySegment(builder.finish())]) {
      expect(idsFor(segment, "facial recognition")).toEqual([adjacent.id]);
      expect(idsFor(segment, "facial")).toEqual([apart.id, adjacent.id]);
      expect(idsFor(segment, "border fraud")).toEqual([neither.id]);
    }
  });

  it("built from numbered keys, as from the same keys as strings, when the numbering restarts and numbers come back as other terms", () => {
    // Keys numbered as src/match numbers them, its numbering restarted (a new `space`) every third
    // release with the numbers handed out again to other terms; and the same keys without numbers.
    const releases = Array.from({ length: 12 }, (_, i) => makeRelease(`Release ${i} on policing ${["fraud", "asylum", "knife crime"][i % 3]} and borders`, `2023-10-${String(i + 1).padStart(2, "0")}`));
    let space = {};
    let ids = new Map<string, number>();
    const numbered: SearchKeys = (release) => {
      const keys = releaseIndexKeys(release);
      if (releases.indexOf(release as (typeof releases)[number]) % 3 === 0) {
        space = {};
        ids = new Map();
      }
      // Numbers taken in reverse order of first sight, so a number means another term after a restart.
      const own = keys.words.map((w) => (w.startsWith("kind:") ? -1 : ids.get(w) ?? ids.set(w, 1000 - ids.size).get(w)!));
      return { words: keys.words, pairs: keys.pairs, numbers: { ids: Int32Array.from(own), space } };
    };
    const [a, b] = builtBoth(releases, numbered);
    expect(a.keys).toEqual(b.keys);
    expect([...a.offsets]).toEqual([...b.offsets]);
    expect([...a.postings]).toEqual([...b.postings]);
    expect(a.keys).toContain("fraud");
  });

  it("built from numbered keys and from releases with no numbering in one segment, as from the keys as strings", () => {
    const releases = Array.from({ length: 9 }, (_, i) => makeRelease(`Release ${i} on ${["fraud", "asylum", "knife crime"][i % 3]} and borders`, `2023-10-${String(i + 1).padStart(2, "0")}`));
    const space = {};
    const ids = new Map<string, number>();
    // Every third release comes without numbers; the others keep one numbering throughout.
    const mixed: SearchKeys = (release) => {
      const keys = releaseIndexKeys(release);
      if (releases.indexOf(release as (typeof releases)[number]) % 3 === 1) return { words: keys.words, pairs: keys.pairs };
      const own = keys.words.map((w) => (w.startsWith("kind:") ? -1 : ids.get(w) ?? ids.set(w, ids.size).get(w)!));
      return { words: keys.words, pairs: keys.pairs, numbers: { ids: Int32Array.from(own), space } };
    };
    const [x, y] = builtBoth(releases, mixed);
    expect(x.keys).toEqual(y.keys);
    expect(new Set(x.keys).size).toBe(x.keys.length);
    expect([...x.offsets]).toEqual([...y.offsets]);
    expect([...x.postings]).toEqual([...y.postings]);
    expect(x.keys).toContain("border");
  });

  it("of earlier versions post their word pairs: they still answer them, and merging moves the pairs into filters", async () => {
    const { docs, lists, phrase } = contents(300, true);
    const old = finish(docs, lists);
    expect(old.keys).toContain("facial recognition");
    // Version 2 of the file: no filter sections, pairs among the keys.
    await writeFile(join(dir, "v2.idx"), encodeV2(old));
    const v2 = openFileSegment(join(dir, "v2.idx"));
    open.push(v2);
    expect(v2.filtered).toBe(false);
    expect(new Set(idsFor(v2, "facial recognition"))).toEqual(phrase);
    expect([...v2.postings("facial recognition")]).toEqual([...memorySegment(old).postings("facial recognition")]);
    // Its content, as a merge reads it: the pairs leave the keys for the entries' filters.
    const moved = withPairFilters(await v2.contents());
    expect(moved.keys).not.toContain("facial recognition");
    expect(moved.keys).toContain("facial");
    expect(new Set(idsFor(memorySegment(moved), "facial recognition"))).toEqual(phrase);
    // Merged with a segment of this version, then written and read back: the same answers.
    const newer = contents(40);
    const joined = joinContents([old, finish(newer.docs.map((d) => ({ ...d, id: `${d.id}-new` })), newer.lists, newer.filters)]);
    await writeFile(join(dir, "joined.idx"), encodeSegment(joined));
    const file = openFileSegment(join(dir, "joined.idx"));
    open.push(file);
    expect(new Set(idsFor(file, "facial recognition"))).toEqual(new Set([...phrase, ...[...newer.phrase].map((id) => `${id}-new`)]));
    expect(file.size).toBe(340);
  });

  it("keep each release's last entry, and a query's candidates merge newest first across segments, skipping superseded entries", async () => {
    const entry = (id: string, date: string, updatedAt = `${date}T00:00:00Z`): FeedEntry => ({ id, date, updatedAt });
    // The older segment: `a` twice (its later entry wins), `b`, `c`; the newer one revises `b` (without the key) and adds `d`.
    const older = finish([entry("a", "2023-01-01"), entry("b", "2023-03-01"), entry("a", "2023-02-01"), entry("c", "2023-01-05")], [["k", [0, 1, 2, 3]], ["old", [0]]]);
    expect(older.docs.map((d) => `${d.id} ${d.date}`)).toEqual(["b 2023-03-01", "a 2023-02-01", "c 2023-01-05"]);
    expect(older.keys).toEqual(["k"]);
    await writeFile(join(dir, "old.idx"), encodeSegment(older));
    const newer = memorySegment(finish([entry("b", "2023-04-01"), entry("d", "2023-02-01", "2023-02-02T00:00:00Z")], [["k", [1]], ["other", [0]]]));
    const segments = [openFileSegment(join(dir, "old.idx")), newer];
    open.push(segments[0]!);
    const read = async (clauses: string[][], without: string[] = []) => {
      const c = mergeCandidates(segments, segments.map((s) => candidatesIn(s, clauses, without)));
      const out: string[] = [];
      for (let part = await c.next(1); part.length; part = await c.next(1)) out.push(...part.map((e) => e.id));
      return out;
    };
    expect(await read([["k"]])).toEqual(["d", "a", "c"]);
    expect(await read([])).toEqual(["b", "d", "a", "c"]);
    expect(await read([], ["k"])).toEqual(["b"]);
    expect(await read([["k", "other"]])).toEqual(["b", "d", "a", "c"]);
    expect(await read([["k"], ["other"]])).toEqual([]);
    // Merged into one segment: the same content as finishing every entry at once.
    const joined = joinContents([older, await newer.contents()]);
    const whole = finish(
      [entry("b", "2023-03-01"), entry("a", "2023-02-01"), entry("c", "2023-01-05"), entry("b", "2023-04-01"), entry("d", "2023-02-01", "2023-02-02T00:00:00Z")],
      [["k", [0, 1, 2, 4]], ["other", [3]]],
    );
    const plain = (c: SegmentContents) => ({ docs: c.docs, keys: c.keys, offsets: [...c.offsets], postings: [...c.postings] });
    expect(plain(joined)).toEqual(plain(whole));
  });

  it("merge as finishing every entry at once would (later entries of a release win)", () => {
    const entries = fc.array(fc.record({ id: fc.constantFrom("a", "b", "c", "d", "e", "f"), date: fc.constantFrom("2023-01-01", "2023-01-02"), updatedAt: fc.constantFrom("x", "y") }), { minLength: 1, maxLength: 12 });
    const keyed = (n: number) => fc.array(fc.tuple(fc.constantFrom("k1", "k2", "k3", "k4"), fc.nat({ max: n - 1 })), { maxLength: 20 });
    const part = entries.chain((docs) => keyed(docs.length).map((posts) => ({ docs, posts })));
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
        const lists = (posts: [string, number][], shift: number) => {
          const m = new Map<string, number[]>();
          for (const [k, ord] of [...posts].sort((x, y) => x[1] - y[1])) m.set(k, [...(m.get(k) ?? []), ord + shift]);
          return [...m];
        };
        const joined = joinContents(parts.map((p) => finish(p.docs, lists(p.posts, 0))));
        let shift = 0;
        const all: [string, number][] = [];
        for (const p of parts) {
          all.push(...p.posts.map(([k, ord]): [string, number] => [k, ord + shift]));
          shift += p.docs.length;
        }
        const whole = finish(parts.flatMap((p) => p.docs), lists(all, 0));
        expect(joined.docs).toEqual(whole.docs);
        expect(joined.keys).toEqual(whole.keys);
        expect([...joined.offsets]).toEqual([...whole.offsets]);
        expect([...joined.postings]).toEqual([...whole.postings]);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * Version 2 of the `.idx` file ("PRSX2", no filter sections), made from this version's encoding of
 * content with its pairs among the keys: the same layout, the header listing no filter sections.
 */
function encodeV2(contents: SegmentContents): Buffer {
  const v3 = encodeSegment({ ...contents, filters: contents.docs.map(() => new Uint8Array(16)) });
  const magic = 6;
  const header = JSON.parse(v3.toString("utf8", magic + 4, magic + 4 + v3.readUInt32LE(magic))) as { sections: Record<string, [number, number]> };
  delete header.sections.filterOffsets;
  delete header.sections.filterBlob;
  const json = Buffer.from(JSON.stringify(header));
  const out = Buffer.from(v3);
  out.write("PRSX2\n", 0, "latin1");
  out.writeUInt32LE(json.length, magic);
  json.copy(out, magic + 4);
  return out;
}
