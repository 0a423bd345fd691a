import { describe, expect, it } from "vitest";
import type { Release } from "../../src/core/release.js";
import { compileQuery } from "../../src/match/index.js";
import { createSearchIndex } from "../../src/match/search-index.js";

function release(i: number, text: string, kind = "press-release"): Release & { updatedAt: string } {
  const date = `2024-${String((i % 12) + 1).padStart(2, "0")}-${String((i % 28) + 1).padStart(2, "0")}`;
  return { id: `r${i}`, title: `Release ${i}`, kind, department: "Home Office", date, summary: text, body: [{ type: "paragraph", text: `Body ${i}.` }], updatedAt: `${date}T10:00:00.000Z` };
}

const releases = Array.from({ length: 2_000 }, (_, i) => release(i, i % 500 === 0 ? "Rare glacier report" : i % 2 ? "Police and asylum news" : "Visa fees news", i % 7 === 0 ? "speech" : "press-release"));
const byId = new Map(releases.map((r) => [r.id, r]));
const index = createSearchIndex();
for (const r of releases) index.add(r);
const load = async (ids: readonly string[]) => ids.flatMap((id) => byId.get(id) ?? []);
const search = (q: string, limit = 10, sort: "newest" | "relevance" = "newest") => index.search(compileQuery(q), { limit, load, sort });

describe("SearchIndex", () => {
  it("tests only the candidates its postings name: cost grows with matches, not history", async () => {
    const rare = await search("glacier");
    expect(rare.hits.map((r) => r.id).sort()).toEqual(["r0", "r1000", "r1500", "r500"]);
    expect(rare.tested).toBe(4);
    const none = await search("lighthouse");
    expect({ hits: none.hits.length, tested: none.tested }).toEqual({ hits: 0, tested: 0 });
  });

  it("answers like the compiled query over everything, newest first, stopping at the limit", async () => {
    for (const q of ["asylum AND police", '"asylum news"', "kind:speech AND visa", "visa OR glacier", "asylum AND NOT kind:speech", "NOT police"]) {
      const compiled = compileQuery(q);
      const expected = releases.filter((r) => compiled.matches(r)).sort((a, b) => b.date.localeCompare(a.date) || b.updatedAt.localeCompare(a.updatedAt));
      const got = await search(q, 25);
      expect(got.hits.map((r) => r.date)).toEqual(expected.slice(0, 25).map((r) => r.date));
      expect(got.hits.every((r) => compiled.matches(r))).toBe(true);
      expect(got.tested).toBeLessThanOrEqual(Math.max(64, got.candidates));
    }
  });

  it("takes in a revision's new words", async () => {
    const local = createSearchIndex();
    const r = release(1, "Old words");
    local.add(r);
    const revised = { ...r, summary: "New meadow words", updatedAt: "2030-01-01T00:00:00.000Z" };
    expect(local.isCurrent(revised)).toBe(false);
    local.add(revised);
    expect(local.isCurrent(revised)).toBe(true);
    expect(local.size).toBe(1);
    const got = await local.search(compileQuery("meadow"), { limit: 5, load: async () => [revised] });
    expect(got.hits).toHaveLength(1);
  });

  it("ranks by relevance when asked: title hits first", async () => {
    const local = createSearchIndex();
    const a = { ...release(1, "asylum"), title: "Other" };
    const b = { ...release(2, "asylum asylum"), title: "Asylum update" };
    local.add(a);
    local.add(b);
    const got = await local.search(compileQuery("asylum"), { limit: 5, sort: "relevance", load: async (ids) => ids.map((id) => (id === a.id ? a : b)) });
    expect(got.hits.map((r) => r.id)).toEqual([b.id, a.id]);
  });
});
