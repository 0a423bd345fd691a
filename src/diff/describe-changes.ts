import type { Block, StoredRelease } from "../core/release.js";
import { canonicalText } from "../core/text.js";

function blockTexts(body: readonly Block[]): string[] {
  return body.map((b) => canonicalText(b.type === "paragraph" ? b.text : b.items.join("\n")));
}

/** A short, human description of what changed between two versions of a release. */
export function describeChanges(before: Pick<StoredRelease, "title" | "summary" | "body">, after: Pick<StoredRelease, "title" | "summary" | "body" | "changeNote">): string {
  const parts: string[] = [];
  if (canonicalText(before.title) !== canonicalText(after.title)) parts.push(`Title changed from "${before.title}" to "${after.title}".`);
  if (canonicalText(before.summary) !== canonicalText(after.summary)) parts.push("Summary changed.");
  const old = new Set(blockTexts(before.body));
  const now = new Set(blockTexts(after.body));
  const added = [...now].filter((t) => !old.has(t)).length;
  const removed = [...old].filter((t) => !now.has(t)).length;
  if (added || removed) parts.push(`Body: ${added} paragraph${added === 1 ? "" : "s"} added or changed, ${removed} removed or replaced.`);
  if (after.changeNote) parts.push(`Change note: ${after.changeNote}`);
  return parts.join(" ") || "Text changed.";
}
