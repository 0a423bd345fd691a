import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { isPressroomError } from "../../src/core/errors.js";
import type { StateRecord } from "../../src/core/ports.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const clock = fixedClock("2026-11-29T10:00:00Z");

/**
 * A state folder whose only content is web requests queued while a run held the lock
 * (`requests.jsonl`, applied at the next write) is not empty: copy-state into it would apply
 * requests made against another state to the copied subscriptions.
 */
describe("lowdb: a folder holding only queued web requests", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  for (const file of ["requests.jsonl", "requests.applying.jsonl"]) {
    it(`is not empty (${file}): copy-state refuses it and leaves the request queued`, async () => {
      const { dir, cleanup } = await makeTempDir("pressroom-copy-requests-");
      cleanups.push(cleanup);
      await (await openLowdbState(dir, { clock })).close();
      const line = `${JSON.stringify({ type: "remove", email: "ann@example.org", topicId: "t-asylum" })}\n`;
      await writeFile(join(dir, file), line);

      const store = await openLowdbState(dir, { clock });
      cleanups.push(() => store.close());
      expect(await store.isEmpty()).toBe(false);
      async function* records(): AsyncGenerator<StateRecord> {
        yield { type: "subscriber", subscriber: { email: "ann@example.org", topics: [{ id: "t-asylum", query: "asylum", frequency: "immediate", revisions: false, createdAt: "2026-11-29T09:00:00.000Z" }], createdAt: "2026-11-29T09:00:00.000Z", origin: "web" } };
      }
      const error = await store.importRecords(records()).then(() => undefined, (e: unknown) => e);
      expect(isPressroomError(error, "STATE_NOT_EMPTY")).toBe(true);
      expect(await store.subscriptions.count()).toBe(0);
      expect(await readFile(join(dir, file), "utf8")).toBe(line);
    });
  }
});
