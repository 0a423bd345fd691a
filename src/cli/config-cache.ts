import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "../config/schema.js";

/*
 * Validated configs, remembered by content. Loading yaml and zod and validating a config costs about
 * 150 ms, most of a quick command's start (`pressroom search` answers in a few hundred). A config
 * that validated is written to the cache folder under a key made of its text and of everything that
 * decides what validation gives (this Pressroom's config code and version, the zod and yaml
 * versions); the next command with the same text and code reads it back instead. A changed config,
 * a new build or an upgrade gives another key, so it is validated afresh; a config that fails is
 * never remembered, so its error is reported every time. The cache is only a shortcut: when it
 * cannot be read or written, commands validate as before.
 *
 * Folder: PRESSROOM_CONFIG_CACHE (`off` to disable), else $XDG_CACHE_HOME/pressroom, else
 * ~/.cache/pressroom (0700). One file per config path, the last validated text's.
 */

/** Files kept in the folder; beyond it, the oldest are removed. */
const KEEP = 64;

export interface ConfigCache {
  /** The config remembered for this path and text, if the code is the same as when it was validated. */
  get(path: string, text: string): Promise<Config | undefined>;
  /** Remembers a validated config (never throws). */
  put(path: string, text: string, config: Config): Promise<void>;
}

/** The cache folder the environment selects, or undefined when caching is off. */
export function configCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const chosen = env.PRESSROOM_CONFIG_CACHE;
  if (chosen === "off") return undefined;
  if (chosen) return chosen;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "pressroom");
  try {
    return join(homedir(), ".cache", "pressroom");
  } catch {
    return undefined;
  }
}

let fingerprint: Promise<string> | undefined;

/** What decides validation besides the text: the config modules' code, this version, the zod and yaml versions. */
function codeFingerprint(): Promise<string> {
  fingerprint ??= (async () => {
    const hash = createHash("sha256");
    // Next to this module: built .js files, or the .ts sources under a test runner.
    const ext = extname(fileURLToPath(import.meta.url));
    for (const rel of [`../config/load${ext}`, `../config/schema${ext}`, `../core/limits${ext}`, "../../package.json"]) {
      hash.update(rel).update(await readFile(new URL(rel, import.meta.url)));
    }
    const require = createRequire(import.meta.url);
    for (const name of ["zod", "yaml"]) hash.update(name).update(await readFile(require.resolve(`${name}/package.json`)));
    return hash.digest("hex");
  })();
  return fingerprint;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export function createConfigCache(dir: string): ConfigCache {
  const slot = (path: string) => join(dir, `config-${sha256(path).slice(0, 24)}.json`);
  const keyOf = async (text: string) => sha256(`${await codeFingerprint()}\n${text}`);
  return {
    async get(path, text) {
      try {
        const held = JSON.parse(await readFile(slot(path), "utf8")) as { key?: unknown; config?: Config };
        return held.key === (await keyOf(text)) && held.config && typeof held.config === "object" ? held.config : undefined;
      } catch {
        return undefined;
      }
    },
    async put(path, text, config) {
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const file = slot(path);
        const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
        await writeFile(temp, JSON.stringify({ key: await keyOf(text), config }), { mode: 0o600 });
        await rename(temp, file);
        const names = (await readdir(dir)).filter((n) => /^config-[0-9a-f]+\.json$/.test(n));
        if (names.length > KEEP) {
          const aged = await Promise.all(names.map(async (n) => ({ n, at: (await stat(join(dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })));
          aged.sort((a, b) => a.at - b.at);
          for (const { n } of aged.slice(0, names.length - KEEP / 2)) await rm(join(dir, n), { force: true });
        }
      } catch {
        // only a shortcut
      }
    },
  };
}
