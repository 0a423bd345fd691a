import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");
const LAYER: Record<string, number> = {
  core: 0, config: 1, sources: 2, diff: 2, store: 2, match: 2, feeds: 2, mail: 2, pipeline: 3, scheduler: 4, server: 4, cli: 5,
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

const moduleOf = (file: string) => relative(SRC, file).split("/")[0]!;

describe("architecture", () => {
  const all = files(SRC);

  it("has a layer for every module", () => {
    expect([...new Set(all.map(moduleOf))].filter((m) => LAYER[m] === undefined)).toEqual([]);
  });

  it("imports only from lower layers (or within the same module)", () => {
    const violations: string[] = [];
    for (const file of all) {
      const from = moduleOf(file);
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/^\s*(?:import|export)[^"']*?from\s+["'](\.[^"']+)["']/gm)) {
        const target = moduleOf(resolve(dirname(file), m[1]!));
        if (target === from) continue;
        if ((LAYER[target] ?? 99) >= (LAYER[from] ?? -1)) violations.push(`${relative(SRC, file)} imports ${target} (layer ${LAYER[target]} ≥ ${LAYER[from]})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("reads the environment and exits only in the CLI", () => {
    const offenders = all.filter((f) => moduleOf(f) !== "cli" && /process\.(env|exit)\b/.test(readFileSync(f, "utf8")));
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });

  it("lets only the CLI choose and open a state engine", () => {
    const offenders = all.filter((f) => !["cli", "store"].includes(moduleOf(f)) && /from\s+["'][./]+\/store\//.test(readFileSync(f, "utf8")));
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });

  it("keeps paths and files out of the pipeline, scheduler and server: they see only the state port", () => {
    const offenders = all.filter((f) => ["pipeline", "scheduler", "server"].includes(moduleOf(f)) && /from\s+["']node:fs/.test(readFileSync(f, "utf8")));
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });

  it("speaks SQL only in the PostgreSQL engine", () => {
    const offenders = all.filter((f) => !relative(SRC, f).startsWith("store/postgres/") && /from\s+["']pg["']/.test(readFileSync(f, "utf8")));
    expect(offenders.map((f) => relative(SRC, f))).toEqual([]);
  });

  it("touches lowdb only in the store", () => {
    const offenders = all.filter((f) => moduleOf(f) !== "store" && /from\s+["']lowdb/.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
  });
});
