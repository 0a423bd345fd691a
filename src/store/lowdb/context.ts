import type { Clock } from "../../core/clock.js";
import type { Disk } from "./disk.js";
import type { Docs } from "./docs.js";
import type { Unit } from "./journal.js";

/** What every part of the lowdb engine shares. */
export interface Ctx {
  readonly disk: Disk;
  readonly docs: Docs;
  readonly clock: Clock;
  /** Before a read: in shared mode, drops held documents when another process changed the state. */
  before(): Promise<void>;
  /**
   * Runs a write: one at a time, under the lock (taken for its duration in shared mode); a failure
   * drops held state. `deferHint`: the change hint for readers may land just after it returns.
   * `noWait`: in shared mode, fail at once (STATE_LOCKED) rather than wait for another holder.
   */
  write<T>(work: () => Promise<T>, options?: { readonly deferHint?: boolean; readonly noWait?: boolean }): Promise<T>;
  /** Writes a unit all or nothing (journal when it has more than one step). */
  unit(unit: Unit): Promise<void>;
  /** The file bumping the generation, to add to a unit; `committed()` after the unit succeeded. */
  nextGeneration(): { file: { path: string; data: string }; committed(): void };
}
