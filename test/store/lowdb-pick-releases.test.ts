import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import type { StateStore } from "../../src/core/ports.js";
import type { StoredRelease } from "../../src/core/release.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { pickReleases } from "../../src/store/lowdb/pick-releases.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { decodeRelease } from "../../src/store/release-codec.js";
import { makeRelease, NOW } from "./contract/fixtures.js";

/** Releases whose text looks like the month file's own structure. */
function tricky(): StoredRelease[] {
  const a = makeRelease("Plain release", "2023-10-02");
  const b = makeRelease("Quotes \"inside\" and braces { } [ ] in the title", "2023-10-03");
  // A summary quoting another release's key as JSON would write it.
  const c = makeRelease("Looks like a key", "2023-10-04", { summary: `${JSON.stringify(a.id)}:{"id":"fake"}, and a backslash \\" here \\\\` });
  const d = makeRelease("Unicode: café, 30,000 and emoji 🚔", "2023-10-05");
  return [a, b, c, d];
}

describe("picking releases out of a month file", () => {
  it("gives each wanted release exactly as a whole parse of the file does, whatever its text holds", () => {
    const releases = tricky();
    const file = Buffer.from(JSON.stringify({ releases: Object.fromEntries(releases.map((r) => [r.id, r])) }));
    const whole = (JSON.parse(file.toString()) as { releases: Record<string, StoredRelease> }).releases;
    const picked = pickReleases(file, [...releases.map((r) => r.id), "tag:pressroom.invalid,2023-10-09:home-office/absent"]);
    expect([...picked.keys()]).toEqual(releases.map((r) => r.id));
    for (const r of releases) expect(picked.get(r.id)).toEqual(whole[r.id]);
  });

  it("leaves out what it cannot take whole (a file cut short), for the caller to read the file", () => {
    const releases = tricky();
    const text = JSON.stringify({ releases: Object.fromEntries(releases.map((r) => [r.id, r])) });
    const cut = Buffer.from(text.slice(0, text.length - 40));
    const picked = pickReleases(cut, releases.map((r) => r.id));
    expect([...picked.keys()]).toEqual(releases.slice(0, 3).map((r) => r.id));
  });
});

describe("lowdb getMany", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: StateStore | undefined;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir("pressroom-pick-")));
  afterEach(async () => {
    await store?.close();
    await cleanup();
  });

  it("answers from the files alike for a few releases of many months, many of one month, and a release moved to another month", async () => {
    store = await openLowdbState(dir, { clock: fixedClock(NOW) });
    const spread = Array.from({ length: 12 }, (_, m) => makeRelease(`Month ${m} release`, `2022-${String(m + 1).padStart(2, "0")}-15`));
    const crowded = Array.from({ length: 50 }, (_, i) => makeRelease(`Crowded ${i}`, "2023-10-01"));
    const moved = { ...makeRelease("Moved by a revision", "2023-01-31"), date: "2023-02-01", updatedAt: "2023-02-01T10:00:00Z" };
    const all = [...tricky(), ...spread, ...crowded, moved];
    await store.commit({ releases: all });
    await store.close();
    // A fresh handle holds no month: every read comes from the files.
    store = await openLowdbState(dir, { clock: fixedClock(NOW), mode: "shared" });
    const ids = [...all.map((r) => r.id), "tag:pressroom.invalid,2023-10-09:home-office/absent"].reverse();
    const onDisk = new Map<string, StoredRelease>();
    for (const month of ["2022-01", "2022-06", "2023-02", "2023-10"]) {
      const doc = JSON.parse(await readFile(join(dir, `releases/${month}.json`), "utf8")) as { releases: Record<string, StoredRelease> };
      for (const [id, r] of Object.entries(doc.releases)) onDisk.set(id, decodeRelease(r));
    }
    const got = await store.releases.getMany(ids);
    expect(got.map((r) => r.id)).toEqual(all.map((r) => r.id).reverse());
    for (const r of got) if (onDisk.has(r.id)) expect(r).toEqual(onDisk.get(r.id));
    expect(got.find((r) => r.id === moved.id)?.date).toBe("2023-02-01");
  });
});
