import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Low } from "lowdb";
import { DurableJsonFile } from "./durable-file.js";

/** Opens lowdb documents under a state folder, each read at most once per store session. */
export class DocCache {
  readonly root: string;
  private readonly docs = new Map<string, Promise<Low<unknown>>>();
  private readonly dirs = new Set<string>();

  constructor(root: string) {
    this.root = root;
  }

  /** The document at `relPath`, read from disk on first use; `init` gives its value when the file is absent. */
  async get<T>(relPath: string, init: () => T): Promise<Low<T>> {
    let doc = this.docs.get(relPath) as Promise<Low<T>> | undefined;
    if (!doc) {
      doc = (async () => {
        const low = new Low<T>(new DurableJsonFile<T>(join(this.root, relPath)), init());
        await low.read();
        if (low.data === null || low.data === undefined) low.data = init();
        return low;
      })();
      this.docs.set(relPath, doc as Promise<Low<unknown>>);
      doc.catch(() => this.docs.delete(relPath));
    }
    return doc;
  }

  /** Persists a document (creating its folder on first write). */
  async save<T>(relPath: string, doc: Low<T>): Promise<void> {
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
