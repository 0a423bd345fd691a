import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { PressroomError } from "../core/errors.js";
import { type Config, configSchema } from "./schema.js";

export interface LoadedConfig {
  readonly config: Config;
  /**
   * Folder that relative paths in the config resolve against: the config file's own folder; the
   * current directory when there is no config file (built-in defaults).
   */
  readonly baseDir: string;
  readonly path?: string;
}

function formatIssues(error: z.ZodError, file: string): string {
  return error.issues
    .map((issue) => `${file}: ${issue.path.length ? issue.path.join(".") : "(top level)"}: ${issue.message}`)
    .join("\n");
}

/** Validates an already-parsed config object. */
export function parseConfig(raw: unknown, file = "config"): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw new PressroomError("CONFIG_INVALID", `config is invalid:\n${formatIssues(result.error, file)}`);
  const ids = new Set<string>();
  for (const source of result.data.sources) {
    if (ids.has(source.id)) throw new PressroomError("CONFIG_INVALID", `config is invalid:\n${file}: sources: duplicate source id "${source.id}"`);
    ids.add(source.id);
  }
  return result.data;
}

/** Reads and validates a YAML config file. A missing file is CONFIG_NOT_FOUND; bad YAML or values, CONFIG_INVALID. */
export async function loadConfig(path: string): Promise<LoadedConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new PressroomError("CONFIG_NOT_FOUND", `config file ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? error}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new PressroomError("CONFIG_INVALID", `config file ${path} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  // One rule, no guessing: relative paths in a config file resolve against that file's folder.
  return { config: parseConfig(raw, path), baseDir: dirname(file), path: file };
}
