import { releaseIndexKeys } from "../../match/search-index.js";
import { resolve } from "node:path";
import { systemClock } from "../../core/clock.js";
import { PressroomError } from "../../core/errors.js";
import { openState, redactUrl, type StateTarget } from "../../store/index.js";

/** `postgres://…` is a database; anything else is a state folder. */
export function parseStateTarget(value: string): StateTarget {
  return /^postgres(ql)?:\/\//.test(value) ? { kind: "postgres", url: value } : { kind: "lowdb", dir: resolve(value) };
}

const describeTarget = (t: StateTarget): string => (t.kind === "postgres" ? redactUrl(t.url) : `state folder ${t.dir}`);

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
      const counts = await target.importRecords(source.exportRecords());
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
