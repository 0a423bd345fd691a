import type { Placement } from "../core/ports.js";

/**
 * The placements to write: all but those marked `ifCurrent` whose release is no longer stored with
 * the entry's `updatedAt` (`stored` gives the stored `updatedAt` of the ids asked, the commit's
 * own releases included; a release not there at all is not placed either).
 */
export async function currentPlacements(placements: readonly Placement[], stored: (ids: readonly string[]) => Promise<ReadonlyMap<string, string>>): Promise<readonly Placement[]> {
  const checked = placements.filter((p) => p.ifCurrent);
  if (checked.length === 0) return placements;
  const updatedAt = await stored([...new Set(checked.map((p) => p.entry.id))].sort());
  return placements.filter((p) => !p.ifCurrent || updatedAt.get(p.entry.id) === p.entry.updatedAt);
}
