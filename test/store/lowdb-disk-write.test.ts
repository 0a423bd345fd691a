import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Disk } from "../../src/store/lowdb/disk.js";
import { makeTempDir } from "../helpers/temp-dir.js";

/*
 * Text is written a piece at a time through a reused buffer of 1 MiB (about 349,525 UTF-16 units a
 * piece): the bytes on disk must be exactly the UTF-8 of the text, whatever falls on a piece's edge.
 */
describe("lowdb disk: writing text", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(async () => {
    await cleanup();
  });

  const piece = Math.floor((1 << 20) / 3);
  const texts: [string, string][] = [
    ["empty", ""],
    ["short", "Facial recognition vans — £1m"],
    // A surrogate pair (an emoji) across the first piece's edge, and three-byte characters filling pieces.
    ["a pair on the edge", `${"a".repeat(piece - 1)}😀${"b".repeat(10)}`],
    ["three-byte characters over several pieces", "€".repeat(piece * 2 + 7)],
    ["pairs over several pieces", "x😀".repeat(piece)],
    ["a lone surrogate at the end", `${"c".repeat(piece + 3)}\uD83D`],
  ];

  for (const [name, text] of texts) {
    it(`writes ${name} as its UTF-8 bytes (durable write, staged write, and pieces)`, async () => {
      const disk = new Disk(dir);
      await disk.write("a.json", text);
      expect((await readFile(join(dir, "a.json"))).equals(Buffer.from(text, "utf8"))).toBe(true);
      const temp = await disk.writeStaged("b.json", text);
      expect((await readFile(join(dir, temp))).equals(Buffer.from(text, "utf8"))).toBe(true);
      await disk.write("c.json", [text, "|", text]);
      expect((await readFile(join(dir, "c.json"))).equals(Buffer.from(`${text}|${text}`, "utf8"))).toBe(true);
    });
  }

  it("writes thousands of small pieces, packed several to a write, as exactly the UTF-8 of the pieces joined", async () => {
    // A month file's shape: thousands of pieces, together several scratch buffers long, with
    // three- and four-byte characters falling on every kind of edge.
    const pieces = Array.from({ length: 10_000 }, (_, i) => (i % 2 === 0 ? `,"r${i}":` : `{"t":"€😀${"x".repeat(i % 997)}é"}`));
    const disk = new Disk(dir);
    await disk.write("m.json", pieces);
    const expected = Buffer.from(pieces.join(""), "utf8");
    expect(expected.length).toBeGreaterThan(2 << 20);
    expect((await readFile(join(dir, "m.json"))).equals(expected)).toBe(true);
  });

  it("writes a surrogate pair split between two pieces as the pair, not as two replacement characters", async () => {
    const disk = new Disk(dir);
    await disk.write("p.json", ["a\uD83D", "\uDE00b", "\uD83D"]);
    expect((await readFile(join(dir, "p.json"))).equals(Buffer.from("a😀b\uD83D", "utf8"))).toBe(true);
  });
});
