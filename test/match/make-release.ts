import type { Block, Release } from "../../src/core/release.js";

/** A release with only the given text; the rest is filler that no test query mentions. */
export function makeRelease(parts: { title?: string; summary?: string; body?: (string | string[])[]; kind?: string }): Release {
  const body: Block[] = (parts.body ?? []).map((b) =>
    typeof b === "string" ? { type: "paragraph", text: b } : { type: "list", items: b },
  );
  return {
    id: "tag:pressroom.invalid,2023-10-30:test",
    title: parts.title ?? "",
    kind: parts.kind ?? "press-release",
    department: "Home Office",
    date: "2023-10-30",
    summary: parts.summary ?? "",
    body,
  };
}
