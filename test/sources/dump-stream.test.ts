import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SourceItem } from "../../src/core/source.js";
import { PressroomError } from "../../src/core/errors.js";
import { hashContent } from "../../src/sources/dump-files.js";
import { parseDump } from "../../src/sources/dump-parse.js";
import { streamDumpFile } from "../../src/sources/dump-stream.js";

const SAMPLE = new URL("../../samples/home-office-2023-10.txt", import.meta.url);

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), "pressroom-stream-")); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

async function streamed(path: string, options: { pieceBytes: number; readBytes: number; batchSize: number; expectedHash?: string }) {
  const warnings: string[] = [];
  const batches: SourceItem[][] = [];
  let hash: string | undefined;
  for await (const batch of streamDumpFile({ path, display: path, name: "d.txt", department: undefined, warnings, onHash: (h) => { hash = h; }, ...options })) {
    batches.push([...batch.items]);
  }
  return { batches, items: batches.flat(), warnings, hash };
}

/** A dump with what splits are hard on: a BOM, CRLF lines, a multi-byte bullet across reads, lists, a skipped block, a release longer than a piece. */
async function awkwardDump(): Promise<string> {
  const sample = await readFile(SAMPLE, "utf8");
  const long = `  • PRESS RELEASE : A long one [May 2024]\n\n    The press release issued by the Home Office on 2 May 2024.\n\n${"    A paragraph of the long release, quite long indeed.\n\n".repeat(40)}    • an item\n      continued\n`;
  const crlf = "  • SPEECH : Windows lines [June 2024]\r\n\r\n    The speech made by A B on 3 June 2024.\r\n\r\n    Hello   there\u00a0 world.\r\n";
  const skipped = "  • PRESS RELEASE : Undated\n\n    Body.\n";
  return `\ufeffTag: Home Office\n\n${sample}\n${long}${crlf}${skipped}${sample.replace(/October/g, "November")}`;
}

describe("streamDumpFile", () => {
  it("gives exactly what parsing the whole text gives, however the file is split", async () => {
    const text = await awkwardDump();
    const path = join(dir, "d.txt");
    await writeFile(path, text);
    const whole = parseDump(text, path);
    const expected = whole.releases.map(({ release, line }) => ({ release, sourceItemId: `d.txt:${line}` }));
    expect(expected.length).toBeGreaterThan(20);
    for (const [pieceBytes, readBytes, batchSize] of [[1, 7, 1], [64, 13, 3], [500, 100, 5], [3000, 1 << 20, 2000], [4 << 20, 1 << 20, 2000]] as const) {
      const got = await streamed(path, { pieceBytes, readBytes, batchSize });
      expect(got.items, `piece ${pieceBytes}, read ${readBytes}`).toEqual(expected);
      expect(got.warnings).toEqual(whole.warnings);
      expect(got.hash).toBe(hashContent(Buffer.from(text)));
      expect(got.batches.every((b, i) => b.length === batchSize || i === got.batches.length - 1)).toBe(true);
    }
  });

  it("fails with DUMP_EMPTY before handing over anything when no release is found", async () => {
    const path = join(dir, "e.txt");
    await writeFile(path, `Tag: Home Office\n\n${"    text\n".repeat(100)}`);
    await expect(streamed(path, { pieceBytes: 16, readBytes: 16, batchSize: 1 })).rejects.toMatchObject({ code: "DUMP_EMPTY" });
    await writeFile(path, "\n  \r\n");
    await expect(streamed(path, { pieceBytes: 16, readBytes: 16, batchSize: 1 })).rejects.toThrow(/file is empty/);
  });

  it("fails with DUMP_CHANGED when the text read is not the one hashed before", async () => {
    const path = join(dir, "d.txt");
    await writeFile(path, await readFile(SAMPLE));
    const error = await streamed(path, { pieceBytes: 1 << 20, readBytes: 1 << 20, batchSize: 2000, expectedHash: "0".repeat(32) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PressroomError);
    expect(error).toMatchObject({ code: "DUMP_CHANGED", message: expect.stringContaining("read again at the next run") });
  });
});
