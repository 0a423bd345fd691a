import { readFileSync } from "node:fs";

/** The version in package.json, read at run time next to the built file (`dist/cli/` → `../../package.json`). */
export function readVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  const { version } = JSON.parse(text) as { version?: unknown };
  return typeof version === "string" ? version : "unknown";
}
