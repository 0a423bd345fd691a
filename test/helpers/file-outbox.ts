import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import type { OutboxRepo } from "../../src/core/ports.js";
import type { Delivery } from "../../src/core/subscription.js";

/**
 * A tiny real, durable OutboxRepo over one JSON file (write temp + fsync + rename), for tests until
 * the store's implementation is available. Every call reads the file, so a second instance over the
 * same file behaves like a restarted process.
 */
export function createFileOutbox(file: string): OutboxRepo & { file: string } {
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    return next;
  };

  async function load(): Promise<Delivery[]> {
    try {
      return (JSON.parse(await readFile(file, "utf8")) as { deliveries: Delivery[] }).deliveries;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  }

  async function save(deliveries: readonly Delivery[]): Promise<void> {
    await mkdir(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(JSON.stringify({ deliveries }, null, 1));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  }

  return {
    file,
    enqueue: (deliveries) =>
      serial(async () => {
        const all = await load();
        const known = new Set(all.map((d) => d.id));
        const added = deliveries.filter((d) => !known.has(d.id) && known.add(d.id));
        if (added.length > 0) await save([...all, ...added]);
        return added.length;
      }),
    pending: () => serial(async () => (await load()).filter((d) => d.status === "pending")),
    update: (patches) =>
      serial(async () => {
        const byId = new Map(patches.map((p) => [p.id, p.patch]));
        const all = (await load()).map((d) => {
          const patch = byId.get(d.id);
          return patch ? ({ ...d, ...patch } as Delivery) : d;
        });
        await save(all);
      }),
    list: () => serial(async () => (await load()).sort((a, b) => b.createdAt.localeCompare(a.createdAt))),
  };
}
