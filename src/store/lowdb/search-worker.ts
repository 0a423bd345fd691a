import { parentPort, workerData } from "node:worker_threads";
import type { SearchKeys } from "../../core/ports.js";
import { Disk } from "./disk.js";
import { SegmentBuilder } from "./search-segment.js";
import { writeSegmentFile } from "./search-segment-file.js";
import type { SegmentJob, SegmentJobDone, SegmentWorkerData } from "./segment-worker.js";

/*
 * The worker thread of segment-worker.ts: builds the search segment of a big commit's releases
 * (their keys, postings and pair filters) and writes it as `.idx`, durably, one job at a time, while
 * the main thread goes on storing the next releases. It imports the store's keys function from
 * where `SearchKeys.from` says it lives.
 */

const data = workerData as SegmentWorkerData;
const keys = (await import(data.keys.module))[data.keys.name] as SearchKeys;
if (typeof keys !== "function") throw new Error(`${data.keys.module} exports no function ${data.keys.name}`);
const disk = new Disk(data.root);
const port = parentPort!;

let queue = Promise.resolve();
port.on("message", (job: SegmentJob) => {
  queue = queue.then(async () => {
    let done: SegmentJobDone;
    try {
      const builder = new SegmentBuilder();
      for (const release of job.releases) builder.addRelease(release, keys);
      const contents = builder.finish();
      await writeSegmentFile(disk, job.file, contents);
      done = { id: job.id, docs: contents.docs.length };
    } catch (error) {
      done = { id: job.id, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(done);
  });
});
