import { releaseIndexKeys } from "../../match/search-index.js";
import { resolve } from "node:path";
import { systemClock } from "../../core/clock.js";
import { isPressroomError, PressroomError } from "../../core/errors.js";
import { openState, redactUrl, type StateTarget } from "../../store/index.js";

/** `postgres://…` is a database; anything else is a state folder. */
export function parseStateTarget(value: string): StateTarget {
  return /^postgres(ql)?:\/\//.test(value) ? { kind: "postgres", url: value } : { kind: "lowdb", dir: resolve(value) };
}

const describeTarget = (t: StateTarget): string => (t.kind === "postgres" ? redactUrl(t.url) : `state folder ${t.dir}`);

/**
 * A copy that failed after it began: the target takes records a page at a time, so it may hold
 * some of them, and the next copy-state into it is refused until it is emptied.
 */
function partWay(error: unknown, from: StateTarget, to: StateTarget): PressroomError {
  const why = error instanceof Error ? error.message : String(error);
  const empty = to.kind === "postgres" ? "drop and create that database, or use a new one" : "remove that folder, or use a new one";
  return new PressroomError(
    isPressroomError(error) ? error.code : "STATE_IO",
    `copy-state stopped part-way: ${why}\n${describeTarget(to)} may now hold part of the copy: ${empty} before copying again. ${describeTarget(from)} was not changed.`,
    { cause: error },
  );
}

/**
 * `pressroom copy-state --from <state dir | postgres URL> --to <state dir | postgres URL>`: copies
 * every record (releases with revisions and provenance, feeds, subscriptions and pending
 * confirmations, the outbox, sources, runs, the secret) into an empty target, and prints counts.
 */
export async function copyStateCommand(options: { from: string; to: string }): Promise<number> {
  const from = parseStateTarget(options.from);
  const to = parseStateTarget(options.to);
  if (from.kind === to.kind && (from.kind === "lowdb" ? from.dir === (to as { dir: string }).dir : from.url === (to as { url: string }).url)) {
    throw new PressroomError("USAGE", "copy-state: --from and --to are the same state");
  }
  const source = await openState(from, { clock: systemClock, mode: "shared", command: "pressroom copy-state" });
  try {
    const target = await openState(to, { clock: systemClock, command: "pressroom copy-state", searchKeys: releaseIndexKeys });
    try {
      if (!(await target.isEmpty())) {
        throw new PressroomError("STATE_NOT_EMPTY", `copy-state: ${describeTarget(to)} already holds state; copy into an empty folder or database (nothing was changed).`);
      }
      const counts = await target.importRecords(source.exportRecords()).catch((error: unknown) => {
        throw partWay(error, from, to);
      });
      const shown = Object.entries(counts).filter(([, n]) => n > 0).map(([type, n]) => `${n} ${type}`).join(", ");
      process.stdout.write(`copied ${describeTarget(from)} to ${describeTarget(to)}: ${shown || "nothing (the source is empty)"}\n`);
      return 0;
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
