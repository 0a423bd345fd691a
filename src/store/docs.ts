import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Low } from "lowdb";
import { PressroomError } from "../core/errors.js";
import { DurableJsonFile } from "./durable-file.js";

const kindOf = (value: unknown): string => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);

/**
 * A state file must have the shape its defaults have (same kind of value under every default key);
 * anything else is corrupt and is reported, never overwritten. Keys missing from an older file are
 * filled from the defaults.
 */
function checkShape<T>(file: string, data: unknown, defaults: T): T {
  const problem = (what: string) =>
    new PressroomError("STATE_CORRUPT", `store: state file ${file} is corrupt (${what}); it was left untouched. Restore it from a backup or move it aside to start that part of the state afresh.`);
  if (kindOf(data) !== "object") throw problem(`expected an object, found ${kindOf(data)}`);
  const record = data as Record<string, unknown>;
  for (const [key, value] of Object.entries(defaults as Record<string, unknown>)) {
    if (!(key in record)) {
      record[key] = value;
      continue;
    }
    if (kindOf(record[key]) !== kindOf(value)) throw problem(`"${key}" should be ${kindOf(value)}, found ${kindOf(record[key])}`);
  }
  return record as T;
}

/** Opens lowdb documents under a state folder, each read at most once per store session. */
export class DocCache {
  readonly root: string;
  private readonly docs = new Map<string, Promise<Low<unknown>>>();
  private readonly dirs = new Set<string>();

  private readonly guard: () => void;

  /** `guard` runs before every write and throws when this process may no longer write (lost lock, read-only). */
  constructor(root: string, guard: () => void = () => {}) {
    this.root = root;
    this.guard = guard;
  }

  /** The document at `relPath`, read from disk on first use; `init` gives its value when the file is absent. */
  async get<T>(relPath: string, init: () => T): Promise<Low<T>> {
    let doc = this.docs.get(relPath) as Promise<Low<T>> | undefined;
    if (!doc) {
      doc = (async () => {
        const adapter = new DurableJsonFile<T>(join(this.root, relPath));
        const fresh = init();
        const low = new Low<T>(adapter, fresh);
        await low.read();
        low.data = low.data === null ? fresh : checkShape(adapter.file, low.data, fresh);
        return low;
      })();
      this.docs.set(relPath, doc as Promise<Low<unknown>>);
      doc.catch(() => this.docs.delete(relPath));
    }
    return doc;
  }

  /** Persists a document (creating its folder on first write). */
  async save<T>(relPath: string, doc: Low<T>): Promise<void> {
    this.guard();
    const dir = dirname(join(this.root, relPath));
    if (!this.dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.dirs.add(dir);
    }
    await doc.write();
  }

  /** Drops cached copies so the next `get` rereads from disk. */
  forget(): void {
    this.docs.clear();
  }
}
