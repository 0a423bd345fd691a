import { createHash } from "node:crypto";
import type { Logger } from "../../core/logger.js";
import { type Disk, yieldNow } from "./disk.js";
import { JOURNAL, OUTBOX_LOG } from "./layout.js";

/** One unit of work on the state folder: whole files replaced or removed, and lines appended to the outbox log. */
export interface Unit {
  readonly files: readonly { readonly path: string; readonly data: string }[];
  readonly removes?: readonly string[];
  /** JSON lines for the outbox log (its events are idempotent, so appending twice is harmless). */
  readonly log?: string;
}

const sum = (body: string): string => createHash("sha256").update(body).digest("hex");

/**
 * Applies every step; each is idempotent, so a recovered journal may be applied again. Behind a
 * durable journal the files are replaced atomically without an fsync each, then made durable
 * together (several fsyncs at once, each folder once) before the journal goes.
 */
async function applySteps(disk: Disk, unit: Unit, journalled: boolean): Promise<void> {
  for (const file of unit.files) {
    await disk.write(file.path, file.data, { sync: !journalled });
    await yieldNow();
  }
  if (journalled) await disk.syncFiles(unit.files.map((f) => f.path));
  for (const rel of unit.removes ?? []) await disk.remove(rel);
  if (unit.log) await disk.append(OUTBOX_LOG, unit.log);
}

/**
 * Runs a unit all or nothing. With more than one step: the whole unit is first written durably to
 * `journal.json` (its first line the SHA-256 of the rest), then each step is applied, then the
 * journal is removed. A crash leaves either no journal (nothing or everything happened) or a whole
 * one, which `recoverJournal` applies again at the next open.
 */
export async function runUnit(disk: Disk, unit: Unit): Promise<void> {
  const steps = unit.files.length + (unit.removes?.length ?? 0) + (unit.log ? 1 : 0);
  if (steps === 0) return;
  if (steps === 1) return applySteps(disk, unit, false);
  const body = JSON.stringify(unit);
  await disk.write(JOURNAL, `${sum(body)}\n${body}`);
  await applySteps(disk, unit, true);
  await disk.remove(JOURNAL);
}

/**
 * At open: re-applies the journal a crash left, or discards one that is not whole (that commit never
 * happened). Returns what was done.
 */
export async function recoverJournal(disk: Disk, log: Logger): Promise<"none" | "applied" | "discarded"> {
  const text = await disk.readText(JOURNAL);
  if (text === undefined) return "none";
  const newline = text.indexOf("\n");
  let unit: Unit | undefined;
  if (newline > 0 && sum(text.slice(newline + 1)) === text.slice(0, newline)) {
    try {
      unit = JSON.parse(text.slice(newline + 1)) as Unit;
    } catch {
      unit = undefined;
    }
  }
  if (!unit || !Array.isArray(unit.files)) {
    log.warn("state journal discarded", { file: disk.path(JOURNAL) });
    await disk.remove(JOURNAL);
    return "discarded";
  }
  log.info("state journal re-applied", { files: unit.files.length });
  await applySteps(disk, unit, true);
  await disk.remove(JOURNAL);
  return "applied";
}
