import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import { acceptsGzip, etagOf, GZIP_MIN_BYTES, matchesEtag } from "./send-cached.js";

/**
 * One representation ready to send: bytes, their gzip (compressed once), strong ETags and the
 * response headers, all computed when the content changes. A request only compares validators.
 */
export interface Representation {
  /** Cache key of the content (the state generation it was read at). */
  readonly version: string;
  readonly body: Buffer;
  readonly gzip: Buffer | undefined;
  readonly etag: string;
  readonly gzipEtag: string;
  readonly lastModified: Date | undefined;
  /** Last-Modified in whole seconds (ms since epoch), for If-Modified-Since. */
  readonly lastModifiedMs: number | undefined;
  readonly headers: { readonly plain: Record<string, string>; readonly gzip: Record<string, string>; readonly notModifiedPlain: Record<string, string>; readonly notModifiedGzip: Record<string, string> };
  /** Memory held: body plus gzip. */
  readonly bytes: number;
}

export interface RepresentationInput {
  readonly body: Buffer;
  readonly contentType: string;
  readonly lastModified?: Date | undefined;
  readonly cacheControl?: string;
}

const gzipAsync = promisify(gzipCallback);

/**
 * Builds a representation: hashes and compresses the bytes once. The compression runs on libuv's
 * thread pool: a 1 MB archive month held the event loop (and every /healthz) for tens of ms.
 */
export async function makeRepresentation(version: string, input: RepresentationInput): Promise<Representation> {
  const etag = etagOf(input.body);
  const gzipEtag = etag.replace(/"$/, '-gz"');
  const gzip = input.body.length >= GZIP_MIN_BYTES ? await gzipAsync(input.body) : undefined;
  const common: Record<string, string> = {
    "Cache-Control": input.cacheControl ?? "public, max-age=300",
    Vary: "Accept-Encoding",
    "X-Content-Type-Options": "nosniff",
  };
  if (input.lastModified) common["Last-Modified"] = input.lastModified.toUTCString();
  const notModifiedPlain = { ...common, ETag: etag };
  const notModifiedGzip = { ...common, ETag: gzip ? gzipEtag : etag };
  const plain = { ...notModifiedPlain, "Content-Type": input.contentType, "Content-Length": String(input.body.length) };
  const gz = gzip ? { ...notModifiedGzip, "Content-Type": input.contentType, "Content-Encoding": "gzip", "Content-Length": String(gzip.length) } : plain;
  return {
    version,
    body: input.body,
    gzip,
    etag,
    gzipEtag,
    lastModified: input.lastModified,
    lastModifiedMs: input.lastModified ? Math.floor(input.lastModified.getTime() / 1000) * 1000 : undefined,
    headers: { plain, gzip: gz, notModifiedPlain, notModifiedGzip },
    bytes: input.body.length + (gzip?.length ?? 0),
  };
}

/** Answers GET/HEAD from a representation: 304 on If-None-Match (which wins) or If-Modified-Since, gzip when accepted. */
export function sendRepresentation(req: IncomingMessage, res: ServerResponse, rep: Representation): void {
  const gzip = rep.gzip !== undefined && acceptsGzip(req.headers["accept-encoding"]);
  const inm = req.headers["if-none-match"];
  const ims = req.headers["if-modified-since"];
  let fresh = false;
  if (inm !== undefined) fresh = matchesEtag(inm, gzip ? rep.gzipEtag : rep.etag);
  else if (ims !== undefined && rep.lastModifiedMs !== undefined) {
    const since = Date.parse(ims);
    fresh = !Number.isNaN(since) && rep.lastModifiedMs <= since;
  }
  if (fresh) {
    res.writeHead(304, gzip ? rep.headers.notModifiedGzip : rep.headers.notModifiedPlain);
    res.end();
    return;
  }
  res.writeHead(200, gzip ? rep.headers.gzip : rep.headers.plain);
  res.end(req.method === "HEAD" ? undefined : gzip ? rep.gzip : rep.body);
}

/**
 * Representations by key within a byte budget, least recently used evicted first; concurrent
 * misses for one key and version share one load.
 */
export class RepresentationCache {
  private readonly entries = new Map<string, Representation>();
  private readonly loading = new Map<string, Promise<Representation | undefined>>();
  private held = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly budgetBytes: number) {}

  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached representation of `key` if it is at `version`, without waiting. */
  peek(key: string, version: string): Representation | undefined {
    const found = this.entries.get(key);
    if (found?.version !== version) return undefined;
    this.hits++;
    return found;
  }

  /** The representation of `key` at `version`, loading it (undefined: no such resource) when missing or stale. */
  async get(key: string, version: string, load: (previous: Representation | undefined) => Promise<Representation | undefined>): Promise<Representation | undefined> {
    const found = this.entries.get(key);
    if (found && found.version === version) {
      this.hits++;
      // Touch for LRU order only now and then: a Map re-insert per hit costs at static-server speed.
      if (this.entries.size > 8) {
        this.entries.delete(key);
        this.entries.set(key, found);
      }
      return found;
    }
    const flight = `${key}\n${version}`;
    const pending = this.loading.get(flight);
    if (pending) return pending;
    this.misses++;
    const p = load(found).then((rep) => {
      this.drop(key);
      if (rep && rep.bytes <= this.budgetBytes) {
        this.entries.set(key, rep);
        this.held += rep.bytes;
        for (const [k] of this.entries) {
          if (this.held <= this.budgetBytes) break;
          this.drop(k);
        }
      }
      return rep;
    }).finally(() => this.loading.delete(flight));
    this.loading.set(flight, p);
    return p;
  }

  private drop(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.held -= old.bytes;
  }
}

/** Default memory for cached feeds (subscription feeds and archives). */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
