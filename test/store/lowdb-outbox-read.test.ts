import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import type { StateStore } from "../../src/core/ports.js";
import type { Delivery } from "../../src/core/subscription.js";
import { createDeliveryInterner } from "../../src/store/lowdb/delivery-interner.js";
import { Disk } from "../../src/store/lowdb/disk.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { iso, makeDelivery, NOW } from "./contract/fixtures.js";

const clock = fixedClock(NOW);

async function allLines(disk: Disk, rel: string, size: number): Promise<{ lines: string[]; torn: boolean[] }> {
  const lines: string[] = [];
  const torn: boolean[] = [];
  for await (const batch of disk.lines(rel, size)) {
    lines.push(...batch.lines);
    torn.push(batch.torn === true);
  }
  return { lines, torn };
}

describe("lowdb: reading the outbox log a piece at a time", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const handles: StateStore[] = [];
  const open = async () => {
    const store = await openLowdbState(dir, { clock, lockWaitMs: 1_000 });
    handles.push(store);
    return store;
  };
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir("pressroom-outbox-read-")));
  afterEach(async () => {
    for (const h of handles.splice(0)) await h.close().catch(() => {});
    await cleanup();
  });

  it("Disk.lines gives every line whole, whatever the piece size, UTF-8 split across pieces included", async () => {
    const text = ["plain", "é accents and emoji 🚓 across pieces", "", "x".repeat(50), "日本語の行", "last"].join("\n") + "\n";
    await writeFile(join(dir, "f.txt"), text);
    const disk = new Disk(dir);
    for (const size of [1, 2, 3, 7, 16, 1 << 16]) {
      const { lines, torn } = await allLines(disk, "f.txt", size);
      expect(lines, `piece size ${size}`).toEqual(text.slice(0, -1).split("\n"));
      expect(torn.some(Boolean)).toBe(false);
    }
    expect((await allLines(disk, "absent.txt", 8)).lines).toEqual([]);
  });

  it("Disk.linesBackward gives every line whole from the last, whatever the piece size, and leaves out a torn last line", async () => {
    const lines = ["plain", "é accents and emoji 🚓 across pieces", "", "x".repeat(50), "日本語の行", "last"];
    const disk = new Disk(dir);
    const backward = async (rel: string, size: number) => {
      const out: string[] = [];
      for await (const line of disk.linesBackward(rel, size)) out.push(line);
      return out;
    };
    await writeFile(join(dir, "f.txt"), `${lines.join("\n")}\n`);
    await writeFile(join(dir, "torn.txt"), `${lines.join("\n")}\n{"id":"to`);
    await writeFile(join(dir, "none.txt"), "no newline at all");
    await writeFile(join(dir, "empty.txt"), "");
    for (const size of [1, 2, 3, 7, 16, 1 << 16]) {
      expect(await backward("f.txt", size), `piece size ${size}`).toEqual([...lines].reverse());
      expect(await backward("torn.txt", size), `torn, piece size ${size}`).toEqual([...lines].reverse());
      expect(await backward("none.txt", size)).toEqual([]);
    }
    expect(await backward("empty.txt", 4)).toEqual([]);
    expect(await backward("absent.txt", 4)).toEqual([]);
    // A reader may stop early.
    const firsts: string[] = [];
    for await (const line of disk.linesBackward("f.txt", 3)) {
      firsts.push(line);
      break;
    }
    expect(firsts).toEqual(["last"]);
  });

  it("Disk.lines gives a last line with no newline after it alone, marked torn", async () => {
    await writeFile(join(dir, "f.txt"), 'one\ntwo\n{"op":"put","d":{"id":"ha');
    const { lines, torn } = await allLines(new Disk(dir), "f.txt", 4);
    expect(lines).toEqual(["one", "two", '{"op":"put","d":{"id":"ha']);
    expect(torn[torn.length - 1]).toBe(true);
    expect(torn.slice(0, -1).some(Boolean)).toBe(false);
  });

  it("Disk.cutTornTail cuts only a torn last line, also one longer than its read piece, and leaves a whole file alone", async () => {
    const disk = new Disk(dir);
    await writeFile(join(dir, "whole.txt"), "a\nb\n");
    const before = await stat(join(dir, "whole.txt"));
    expect(await disk.cutTornTail("whole.txt", 2)).toBe(false);
    expect((await stat(join(dir, "whole.txt"))).mtimeMs).toBe(before.mtimeMs);

    await writeFile(join(dir, "long.txt"), `first\nsecond\n${"y".repeat(100)}`);
    expect(await disk.cutTornTail("long.txt", 8)).toBe(true);
    expect(await readFile(join(dir, "long.txt"), "utf8")).toBe("first\nsecond\n");

    await writeFile(join(dir, "only.txt"), "no newline at all");
    expect(await disk.cutTornTail("only.txt", 4)).toBe(true);
    expect(await readFile(join(dir, "only.txt"), "utf8")).toBe("");

    await writeFile(join(dir, "empty.txt"), "");
    expect(await disk.cutTornTail("empty.txt")).toBe(false);
    expect(await disk.cutTornTail("absent.txt")).toBe(false);
  });

  it("a log of more than one piece, with non-ASCII text, reads back every delivery as it was written", async () => {
    const store = await open();
    // About 3 MB of log: more than one 1 MB piece, with multi-byte characters on every line.
    const deliveries = Array.from({ length: 3_000 }, (_, i) =>
      makeDelivery(`d${String(i).padStart(5, "0")}`, `reader${i}@example.org`, iso(-1), [`t-${i % 7}`], {
        snapshot: {
          title: `Élan ${i % 3} — naïve café policy 🚓`,
          kind: "press-release",
          department: "Home Office",
          date: "2026-11-28",
          summary: `Summary ${i % 3}: ${"ü".repeat(400)}`,
          snippet: { text: `Sentence ${i % 5} – “quoted”`, highlights: [[0, 8]] },
        },
      }),
    );
    await store.outbox.enqueue(deliveries);
    await store.close();
    const again = await open();
    const read = await again.outbox.pending();
    const byId = (a: Delivery, b: Delivery) => (a.id < b.id ? -1 : 1);
    expect(read.sort(byId)).toEqual([...deliveries].sort(byId));
  });

  it("a torn last line of done.tsv is cut at open: finished deliveries before and after it stay finished, and are never queued again", async () => {
    const batch = (from: number) => Array.from({ length: 600 }, (_, i) => makeDelivery(`f${from + i}`, `reader${from + i}@example.org`, iso(-1)));
    const finish = async (store: StateStore, deliveries: Delivery[]) => {
      await store.outbox.enqueue(deliveries);
      // Enough finished lines for the log to be compacted: they move to done.tsv.
      await store.outbox.ack(deliveries.map((d) => ({ id: d.id, status: "sent" as const, sentAt: NOW })));
    };
    let store = await open();
    await finish(store, batch(0));
    await store.close();
    const done = join(dir, "queue/done.tsv");
    expect((await readFile(done, "utf8")).split("\n").filter(Boolean)).toHaveLength(600);
    await writeFile(done, "f99999\tse", { flag: "a" });
    store = await open();
    expect(await readFile(done, "utf8")).not.toContain("f99999");
    await finish(store, batch(600));
    await store.close();
    store = await open();
    const stats = await store.outbox.stats(new Date(NOW));
    expect(stats).toMatchObject({ pending: 0, sent: 1_200 });
    expect(await store.outbox.enqueue([...batch(0), ...batch(600)])).toBe(0);
    expect((await store.outbox.get("f0"))?.status).toBe("sent");
    expect((await store.outbox.get("f1199"))?.status).toBe("sent");
  });

  it("the interner shares equal snapshots, topics and timestamps, and changes no value", () => {
    const a = makeDelivery("a", "ann@example.org", iso(-1));
    const b = makeDelivery("b", "bob@example.org", iso(-1), ["t-asylum"], { snapshot: a.snapshot, releaseId: a.releaseId, revisionHash: a.revisionHash });
    const c = makeDelivery("c", "cat@example.org", iso(-1), ["t-fraud"], { snapshot: { ...a.snapshot, snippet: { text: a.snapshot.snippet.text, highlights: [[4, 9]] } } });
    // As read back: each parsed from its own line, sharing nothing.
    const parsed = [a, b, c].map((d) => JSON.parse(JSON.stringify(d)) as Delivery);
    const intern = createDeliveryInterner();
    for (const d of parsed) intern(d);
    expect(parsed).toEqual([a, b, c]);
    expect(parsed[1]!.snapshot).toBe(parsed[0]!.snapshot);
    expect(parsed[1]!.topics).toBe(parsed[0]!.topics);
    expect(parsed[1]!.createdAt).toBe(parsed[0]!.createdAt);
    // Different highlights, different topics: not shared.
    expect(parsed[2]!.snapshot).not.toBe(parsed[0]!.snapshot);
    expect(parsed[2]!.topics).not.toBe(parsed[0]!.topics);
  });
});
