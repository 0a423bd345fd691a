import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { SearchKeys } from "../../core/ports.js";
import { type IndexedRelease, type PackedReleases, packReleases } from "./packed-releases.js";

/*
 * Builds lowdb search segments on a worker thread (search-worker.ts), so an import's second core
 * makes the index while the first stores releases: the search index was half an import's time.
 * Only for keys that say where they live (`SearchKeys.from`) and a build of JavaScript (from
 * TypeScript sources, under vitest, there is no worker file: segments are then built in-thread).
 */

export interface SegmentWorkerData {
  readonly root: string;
  readonly keys: { readonly module: string; readonly name: string };
}

/**
 * Build the segment of `releases`, or merge the segments `merge` (`.idx` files, oldest first), and
 * write it as `file` (paths relative to the state folder).
 */
export type SegmentJob = { readonly id: number; readonly file: string } & (
  | { readonly packed: PackedReleases }
  | { readonly releases: readonly IndexedRelease[] }
  | { readonly merge: readonly string[] }
);

/** A job as posted: the message, and the buffers it hands over to the worker (`PackedReleases`). */
interface Posted {
  readonly message: SegmentJob;
  readonly transfer?: ArrayBuffer[];
}

export type SegmentJobDone = { readonly id: number; readonly docs: number } | { readonly id: number; readonly error: string };

const ENTRY = new URL("./search-worker.js", import.meta.url);
/**
 * The worker's heap. A build of 500 releases holds about 30 MB. Without a limit the worker's heap
 * grew by 170 MB before V8 collected it; at 32 MB of old space it spent more time collecting than
 * building. Past the limit a build fails (the index is then rebuilt by the next search). Its young
 * generation: at 4 MB, a build's working set was copied by a scavenge about every 15 ms (956
 * scavenges, 2.4 s of an import of 20,000); at 16 MB, 211 scavenges and 1.1 s.
 */
const WORKER_OLD_SPACE_MB = 48;
const WORKER_YOUNG_SPACE_MB = 16;
/**
 * An idle worker stops after this long, and starts again with the next build: its heap is not held
 * while the run renders its feeds at the end of an import, nor by a daemon between imports.
 */
const IDLE_MS = 10_000;
/**
 * Jobs posted to the worker at once: one running and one waiting there. With one, the worker sat
 * idle after each job until this thread, busy storing or building in-thread, heard it was done:
 * about 3 s of the 14 s an import of 20,000 spends storing (profiled).
 */
const SENT_AHEAD = 2;

/** Whether segments for these keys can be built on a worker thread. */
export function workerCanBuild(keys: SearchKeys | undefined): keys is SearchKeys & { from: SegmentWorkerData["keys"] } {
  if (!keys?.from) return false;
  const module = new URL(keys.from.module);
  return module.protocol === "file:" && /\.m?js$/.test(module.pathname) && existsSync(fileURLToPath(ENTRY));
}

interface Pending {
  readonly job: (id: number) => Posted;
  readonly resolve: (docs: number) => void;
  readonly reject: (error: Error) => void;
}

export class SegmentWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  /**
   * Jobs sent and not answered, oldest first, with the worker they were sent to: the one running
   * and at most one waiting on the worker (SENT_AHEAD), so it starts the next job without waiting
   * for this thread to hear of the last one.
   */
  private readonly sent: (Pending & { readonly id: number; readonly worker: Worker })[] = [];
  /**
   * Jobs not yet sent, oldest first. A worker receives every message posted to it as soon as it
   * is free, and its heap held the releases of all of them (with six jobs posted, builds failed at
   * its heap limit): only SENT_AHEAD are posted at once.
   */
  private readonly pending: Pending[] = [];
  private idle: NodeJS.Timeout | undefined;

  constructor(private readonly data: SegmentWorkerData) {}

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(ENTRY, { workerData: this.data, resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_SPACE_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_SPACE_MB } });
    // Its job fails with it; jobs not yet sent go to the next worker. (A worker started after it,
    // once this one was stopped while idle, keeps its own job.)
    const failed = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      // Jobs run in the order sent: the oldest was running and fails; the others go to the next worker.
      const [running, ...behind] = this.sent.filter((job) => job.worker === worker);
      this.sent.splice(0, this.sent.length, ...this.sent.filter((job) => job.worker !== worker));
      running?.reject(error);
      this.pending.unshift(...behind);
      this.postNext();
    };
    worker.on("message", (done: SegmentJobDone) => {
      const at = this.sent.findIndex((job) => job.id === done.id && job.worker === worker);
      if (at < 0) return;
      const job = this.sent.splice(at, 1)[0]!;
      this.postNext();
      if (this.sent.length === 0) {
        // Idle, the worker does not keep the process alive, and stops after a while.
        worker.unref();
        this.idle = setTimeout(() => void this.close(), IDLE_MS).unref();
      }
      if ("error" in done) job.reject(new Error(done.error));
      else job.resolve(done.docs);
    });
    worker.on("error", (error) => failed(error));
    worker.on("exit", (code) => failed(new Error(`the search worker stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  /** The number of entries of the segment of `releases` written as `file`, once it is durable. */
  build(file: string, releases: readonly IndexedRelease[]): Promise<number> {
    // Keys come from the current text and kind; nothing else is sent.
    return this.send((id): Posted => {
      const packed = packReleases(releases);
      if (packed) return { message: { id, file, packed: packed.packed }, transfer: packed.transfer };
      return { message: { id, file, releases: releases.map((r) => ({ id: r.id, date: r.date, updatedAt: r.updatedAt, kind: r.kind, title: r.title, summary: r.summary, body: r.body })) } };
    });
  }

  /** The number of entries of the segment joining `inputs` (`.idx` files, oldest first) written as `file`, once it is durable. */
  merge(file: string, inputs: readonly string[]): Promise<number> {
    return this.send((id) => ({ message: { id, file, merge: inputs } }));
  }

  /** Jobs run one after another, in the order sent. */
  private send(job: (id: number) => Posted): Promise<number> {
    clearTimeout(this.idle);
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ job, resolve, reject });
      this.postNext();
    });
  }

  /** Posts the oldest jobs not yet sent, while the worker has fewer than SENT_AHEAD. */
  private postNext(): void {
    if (this.sent.length >= SENT_AHEAD) return;
    const next = this.pending.shift();
    if (!next) return;
    const id = this.nextId++;
    let worker: Worker;
    let posted: Posted;
    try {
      worker = this.started();
      posted = next.job(id);
    } catch (error) {
      next.reject(error as Error);
      return this.postNext();
    }
    this.sent.push({ ...next, id, worker });
    worker.ref();
    worker.postMessage(posted.message, posted.transfer);
    this.postNext();
  }

  /** Stops the worker; jobs not yet sent fail. (A store closes it once its builds are done.) */
  async close(): Promise<void> {
    clearTimeout(this.idle);
    for (const job of this.pending.splice(0)) job.reject(new Error("the search worker was closed"));
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
