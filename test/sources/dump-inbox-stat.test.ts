/**
 * An inbox file is skipped, without reading it, when its stat is as the cursor recorded it. Size and
 * mtime alone missed a file replaced by one of the same size whose mtime was put back (`cp -p`,
 * `rsync -a`, `tar x`, `wget`/`curl -R`) or rewritten within a coarse mtime (FAT/SMB/NFS): the change
 * time and the inode now count too.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import type { SourceCursor } from "../../src/core/source.js";
import { dumpAdapter } from "../../src/sources/dump.js";
import { createHttpFetcher } from "../../src/sources/http-fetch.js";

const SAMPLE = new URL("../../samples/home-office-2023-10.txt", import.meta.url);
let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), "pressroom-inbox-")); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const read = (cursor: SourceCursor) => dumpAdapter.read({ id: "dump", type: "dump", path: "inbox" }, { http: createHttpFetcher(), clock: fixedClock("2024-01-01T00:00:00Z"), log: silentLogger, baseDir: dir, cursor });

describe("inbox file replaced with the same size and mtime", () => {
  it("reads the replacement", async () => {
    const inbox = join(dir, "inbox");
    await mkdir(inbox);
    const file = join(inbox, "2023-10.txt");
    await copyFile(SAMPLE, file);
    // Whole-second mtimes, as tar, `cp -p` of such a file, or `wget`/`curl -R` (from Last-Modified) leave them.
    const T = new Date("2023-10-31T12:00:00Z");
    await utimes(file, T, T);
    const first = await read({});
    const before = await stat(file);
    const titles = first.items.map((i) => i.release.title);
    expect(titles[0]).toMatch(/AI-generated/);

    // A corrected copy of the same length, its mtime preserved from the original.
    const text = await readFile(file, "utf8");
    const corrected = text.replace("Home Secretary’s speech on tackling AI-generated", "Home Secretary’s speech on tackling AI-generatex");
    expect(Buffer.byteLength(corrected)).toBe(before.size);
    await writeFile(file, corrected);
    await utimes(file, T, T);
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);

    const second = await read(first.cursor);
    expect(second.status).toBe("ok");
    expect(second.items.map((i) => i.release.title)).toContain(titles[0]!.replace("AI-generated", "AI-generatex"));
    // Untouched since: not read again.
    expect((await read(second.cursor)).status).toBe("not-modified");
  });

  it("hashes a file whose stat changed but not its bytes, and finds nothing new", async () => {
    const inbox = join(dir, "inbox");
    await mkdir(inbox);
    const file = join(inbox, "2023-10.txt");
    await copyFile(SAMPLE, file);
    const first = await read({});
    await writeFile(file, await readFile(file));
    const again = await read(first.cursor);
    expect(again.status).toBe("not-modified");
    expect(again.items).toEqual([]);
  });
});
