import type { StoredRelease } from "../core/release.js";
import { archiveMonthOf, isArchiveMonth } from "./feed-names.js";

/** The months (`YYYY-MM`) that have releases, oldest first, without duplicates (malformed dates skipped). */
export function archiveMonths(releases: readonly { readonly date: string }[]): string[] {
  return [...new Set(releases.map(archiveMonthOf).filter(isArchiveMonth))].sort();
}

/** Neighbours of `month` in the archive chain: the nearest older and newer months that exist. */
export function archiveNeighbours(months: readonly string[], month: string): { prev?: string; next?: string } {
  const sorted = [...new Set(months)].sort();
  const older = sorted.filter((m) => m < month);
  const newer = sorted.filter((m) => m > month);
  const prev = older[older.length - 1];
  const next = newer[0];
  return { ...(prev ? { prev } : {}), ...(next ? { next } : {}) };
}

/** The releases of one archive month. */
export function releasesInMonth(releases: readonly StoredRelease[], month: string): StoredRelease[] {
  return releases.filter((r) => archiveMonthOf(r) === month);
}
