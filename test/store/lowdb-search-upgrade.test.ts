import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import type { FeedEntry, StateStore } from "../../src/core/ports.js";
import type { StoredRelease } from "../../src/core/release.js";
import { normalizeWord } from "../../src/match/tokenize.js";
import { compileQuery } from "../../src/match/index.js";
import { newestFirst, releaseIndexKeys, releaseSearchKeys } from "../../src/match/search-index.js";
import { searchStore } from "../../src/match/search-releases.js";
import { openLowdbState, type LowdbStateOptions } from "../../src/store/lowdb/open-lowdb-state.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { makeRelease, NOW } from "./contract/fixtures.js";

/*
 * A state folder whose search index was written before the `.idx` format: merged segments were
 * `.bin` files (entries in commit order). Such a state must still answer, exactly, and its index is
 * rewritten as `.idx` by the first process that may write without waiting.
 */

const clock = fixedClock(NOW);

/** The `.bin` encoding of earlier versions (search-segment-v1.ts reads it). */
function encodeV1(docs: readonly FeedEntry[], lists: ReadonlyMap<string, readonly number[]>): Buffer {
  const terms = [...lists.keys()].sort();
  const header = Buffer.from(JSON.stringify({ docs: docs.map((d) => [d.id, d.date, d.updatedAt]), terms: terms.length }));
  const dict = terms.map((t) => Buffer.from(t));
  const dictOffsets = new Uint32Array(terms.length + 1);
  const postOffsets = new Uint32Array(terms.length + 1);
  terms.forEach((t, i) => {
    dictOffsets[i + 1] = dictOffsets[i]! + dict[i]!.length;
    postOffsets[i + 1] = postOffsets[i]! + lists.get(t)!.length;
  });
  const postings = Uint32Array.from(terms.flatMap((t) => [...lists.get(t)!]));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const u32 = (a: Uint32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return Buffer.concat([Buffer.from("PRSX1\n"), length, header, u32(dictOffsets), ...dict, u32(postOffsets), u32(postings)]);
}

/** Entries and postings of releases, in the order given (a release given twice has two entries). */
function indexOf(releases: readonly StoredRelease[]): { docs: FeedEntry[]; lists: Map<string, number[]> } {
  const lists = new Map<string, number[]>();
  releases.forEach((r, ord) => {
    for (const key of releaseSearchKeys(r)) {
      const list = lists.get(key) ?? [];
      list.push(ord);
      lists.set(key, list);
    }
  });
  return { docs: releases.map((r) => ({ id: r.id, date: r.date, updatedAt: r.updatedAt })), lists };
}

const QUERIES = ["asylum", "police AND asylum", "\"knife crime\"", "NOT asylum", "kind:speech", "drones OR glacier", "police AND NOT drones"];

describe("lowdb search index of an earlier version", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const handles: StateStore[] = [];
  const open = async (options: Partial<LowdbStateOptions> = {}) => {
    const store = await openLowdbState(dir, { clock, searchKeys: releaseIndexKeys, lockWaitMs: 1_000, ...options });
    handles.push(store);
    return store;
  };
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir("pressroom-search-upgrade-")));
  afterEach(async () => {
    for (const h of handles.splice(0)) await h.close().catch(() => {});
    await cleanup();
  });

  /** Releases stored as a commit would, and a search index as an earlier version left it: a `.bin` segment, then a JSON one. */
  async function oldState(): Promise<StoredRelease[]> {
    const words = ["police asylum", "knife crime", "asylum hotels", "police drones", "knife crime police"];
    const first = Array.from({ length: 30 }, (_, i) => makeRelease(`Release ${i} on ${words[i % words.length]}`, `2023-${String(1 + (i % 3)).padStart(2, "0")}-1${i % 10}`, { kind: i % 4 ? "press-release" : "speech" }));
    // Revised in the same merged segment (its later entry wins) and in the JSON segment after it.
    const inBin = { ...first[4]!, title: "Release 4 on drones", updatedAt: "2024-01-01T00:00:00.000Z" };
    const inJson = { ...first[7]!, title: "Release 7 on glacier asylum", updatedAt: "2024-02-01T00:00:00.000Z" };
    const later = Array.from({ length: 5 }, (_, i) => makeRelease(`Later ${i} on ${words[(i + 2) % words.length]}`, `2023-04-0${1 + i}`));
    const current = [...first.map((r) => (r.id === inBin.id ? inBin : r.id === inJson.id ? inJson : r)), ...later];
    const store = await open();
    await store.commit({ releases: current });
    await store.close();
    for (const name of await readdir(join(dir, "search"))) await rm(join(dir, "search", name));
    const bin = indexOf([...first, inBin]);
    await writeFile(join(dir, "search/seg-00000001.bin"), encodeV1(bin.docs, bin.lists));
    const json = indexOf([...later, inJson]);
    await writeFile(join(dir, "search/seg-00000002.json"), JSON.stringify({ docs: json.docs.map((d) => [d.id, d.date, d.updatedAt]), keys: Object.fromEntries(json.lists) }));
    // Keyed by this version's word terms (`terms`), in the older file formats.
    await writeFile(join(dir, "search/manifest.json"), JSON.stringify({ complete: true, next: 3, terms: 2, segments: [{ file: "search/seg-00000001.bin", docs: bin.docs.length }, { file: "search/seg-00000002.json", docs: json.docs.length }] }));
    return current;
  }

  it("reads an index keyed by earlier word terms (a manifest without `terms`) as incomplete; the rebuild answers exactly", async () => {
    const releases = await oldState();
    const manifest = JSON.parse(await readFile(join(dir, "search/manifest.json"), "utf8")) as Record<string, unknown>;
    delete manifest.terms;
    await writeFile(join(dir, "search/manifest.json"), JSON.stringify(manifest));
    const store = await open();
    expect(await store.search.candidates([[normalizeWord("police")]])).toBeUndefined();
    expect(await store.search.rebuild()).toBe(releases.length);
    await expectExact(store, releases);
    await store.close();
    expect((JSON.parse(await readFile(join(dir, "search/manifest.json"), "utf8")) as { terms?: number }).terms).toBe(2);
  });

  const listed = async () => (JSON.parse(await readFile(join(dir, "search/manifest.json"), "utf8")) as { segments: { file: string }[] }).segments.map((s) => s.file.replace(/^search\/seg-\d+/, "seg"));

  async function expectExact(store: StateStore, releases: readonly StoredRelease[]): Promise<void> {
    for (const query of QUERIES) {
      const compiled = compileQuery(query);
      const expected = releases.filter((r) => compiled.matches(r)).sort(newestFirst).map((r) => r.id);
      expect(expected.length, query).toBeGreaterThan(0);
      for (const limit of [2, 100]) {
        const got = await searchStore(store, compiled, { limit });
        expect(got.hits.map((r) => r.id), `${query} · ${limit}`).toEqual(expected.slice(0, limit));
      }
    }
  }

  it("answers exactly from `.bin` segments while another process holds the state, and rewrites them once it may", async () => {
    const releases = await oldState();
    const daemon = await open({ command: "pressroom daemon" });
    const reader = await open({ mode: "shared", command: "pressroom search" });
    await expectExact(reader, releases);
    expect(await listed()).toEqual(["seg.bin", "seg.json"]);
    await daemon.close();
    const next = await open({ mode: "shared", command: "pressroom search" });
    await expectExact(next, releases);
    expect(await listed()).toEqual(["seg.idx", "seg.json"]);
    expect((await readdir(join(dir, "search"))).filter((f) => f.endsWith(".bin"))).toEqual([]);
    // A reopened state answers the same from the rewritten index.
    await expectExact(await open({ mode: "shared" }), releases);
  });

  it("is rewritten by the next commit of a writer, which keeps indexing on top of it", async () => {
    const releases = await oldState();
    const added = makeRelease("Glacier police report", "2023-05-05");
    const daemon = await open();
    await daemon.commit({ releases: [added] });
    expect(await listed()).toEqual(["seg.idx", "seg.json", "seg.json"]);
    await expectExact(daemon, [...releases, added]);
  });
});
