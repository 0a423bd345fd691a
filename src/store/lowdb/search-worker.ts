import { parentPort, workerData } from "node:worker_threads";
import type { SearchKeys } from "../../core/ports.js";
import { Disk } from "./disk.js";
import { joinContents, SegmentBuilder, type SegmentContents } from "./search-segment.js";
import { type IndexedRelease, unpackReleases } from "./packed-releases.js";
import { openFileSegment, writeSegmentFile } from "./search-segment-file.js";
import type { SegmentJob, SegmentJobDone, SegmentWorkerData } from "./segment-worker.js";

/*
 * The worker thread of segment-worker.ts: builds the search segment of a big commit's releases
 * (their keys, postings and pair filters), or merges built segments into one, and writes it as
 * `.idx`, durably, one job at a time, while the main thread goes on storing the next releases. It
 * imports the store's keys function from where `SearchKeys.from` says it lives.
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
      const contents = "merge" in job ? await joined(job.merge) : built("packed" in job ? unpackReleases(job.packed) : job.releases);
      await writeSegmentFile(disk, job.file, contents);
      done = { id: job.id, docs: contents.docs.length };
    } catch (error) {
      done = { id: job.id, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(done);
  });
});

function built(releases: readonly IndexedRelease[]): SegmentContents {
  const builder = new SegmentBuilder();
  for (const release of releases) builder.addRelease(release, keys);
  return builder.finish();
}

async function joined(inputs: readonly string[]): Promise<SegmentContents> {
  const parts: SegmentContents[] = [];
  for (const file of inputs) {
    const segment = openFileSegment(disk.path(file));
    try {
      parts.push(await segment.contents());
    } finally {
      segment.close();
    }
  }
  return joinContents(parts);
}
