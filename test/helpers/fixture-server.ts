/**
 * A real HTTP server on 127.0.0.1:0 serving fixture files or inline bodies, for tests of live sources.
 * Per route: status, headers, delay or hang, ETag / Last-Modified with 304 handling, gzip, redirects,
 * and sequences (one spec per request, the last repeating). Every request is recorded.
 */
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join } from "node:path";
import { gzipSync } from "node:zlib";

export interface FixtureRoute {
  /** File under the server's root to serve. */
  readonly file?: string;
  /** Inline body (used when no file). */
  readonly body?: string | Buffer;
  readonly status?: number;
  /** Defaults from the file extension (`.atom` → application/atom+xml, …). */
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait before answering. */
  readonly delayMs?: number;
  /** Never answer (the socket is closed when the server closes). */
  readonly hang?: boolean;
  /** Sends this ETag; answers 304 when If-None-Match carries it. */
  readonly etag?: string;
  /** Sends this Last-Modified; answers 304 when If-Modified-Since equals it. */
  readonly lastModified?: string;
  /** Gzip the body when the client accepts gzip. */
  readonly gzip?: boolean;
  /** Answer 302 (or `status` if 3xx) with this Location. */
  readonly redirect?: string;
  /** Custom handler instead of all the above. */
  readonly handle?: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path plus query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Status answered (undefined for a hang). */
  status?: number;
  gzipped?: boolean;
}

export interface FixtureServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Absolute URL of a path on this server. */
  url(path: string): string;
  readonly requests: RecordedRequest[];
  /** Requests whose URL (path + query) starts with `prefix`. */
  requestsTo(prefix: string): RecordedRequest[];
  /** Adds or replaces a route. Keys are a path with query (exact) or a path alone (any query). */
  route(path: string, spec: FixtureRoute | readonly FixtureRoute[]): void;
  close(): Promise<void>;
}

const TYPES: Readonly<Record<string, string>> = {
  ".atom": "application/atom+xml; charset=utf-8",
  ".rss": "application/rss+xml; charset=utf-8",
  ".xml": "application/xml; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

export async function startFixtureServer(
  options: { root?: string; routes?: Readonly<Record<string, FixtureRoute | readonly FixtureRoute[]>> } = {},
): Promise<FixtureServer> {
  const routes = new Map<string, { specs: readonly FixtureRoute[]; served: number }>();
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const route = (path: string, spec: FixtureRoute | readonly FixtureRoute[]): void => {
    routes.set(path, { specs: Array.isArray(spec) ? spec : [spec as FixtureRoute], served: 0 });
  };
  for (const [path, spec] of Object.entries(options.routes ?? {})) route(path, spec);

  const pick = (url: string): FixtureRoute | undefined => {
    const entry = routes.get(url) ?? routes.get(url.split("?")[0] ?? url);
    if (!entry) return undefined;
    const spec = entry.specs[Math.min(entry.served, entry.specs.length - 1)];
    entry.served += 1;
    return spec;
  };

  const answer = async (req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> => {
    const spec = pick(req.url ?? "/");
    if (!spec) {
      record.status = 404;
      res.writeHead(404, { "content-type": "text/plain" }).end(`no fixture for ${req.url}`);
      return;
    }
    if (spec.hang) return;
    if (spec.delayMs) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { timers.delete(t); resolve(); }, spec.delayMs);
        timers.add(t);
      });
    }
    if (spec.handle) {
      spec.handle(req, res);
      return;
    }
    const headers: Record<string, string> = { ...(spec.headers ?? {}) };
    if (spec.etag) headers.etag = spec.etag;
    if (spec.lastModified) headers["last-modified"] = spec.lastModified;
    if (spec.redirect !== undefined) {
      const status = spec.status && spec.status >= 300 && spec.status < 400 ? spec.status : 302;
      record.status = status;
      res.writeHead(status, { ...headers, location: spec.redirect }).end();
      return;
    }
    const inm = req.headers["if-none-match"];
    const ims = req.headers["if-modified-since"];
    if ((spec.etag && inm === spec.etag) || (!inm && spec.lastModified && ims === spec.lastModified)) {
      record.status = 304;
      res.writeHead(304, headers).end();
      return;
    }
    let body: Buffer = spec.file
      ? await readFile(join(options.root ?? ".", spec.file))
      : Buffer.from(spec.body ?? "");
    headers["content-type"] ??= spec.contentType ?? TYPES[extname(spec.file ?? "")] ?? "text/plain; charset=utf-8";
    if (spec.gzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
      body = gzipSync(body);
      headers["content-encoding"] = "gzip";
      record.gzipped = true;
    }
    headers["content-length"] ??= String(body.length);
    record.status = spec.status ?? 200;
    res.writeHead(record.status, headers).end(body);
  };

  const server = createServer((req, res) => {
    const record: RecordedRequest = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers };
    requests.push(record);
    answer(req, res, record).catch((error: unknown) => {
      record.status = 500;
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    url: (path) => `${origin}${path.startsWith("/") ? "" : "/"}${path}`,
    requests,
    requestsTo: (prefix) => requests.filter((r) => r.url.startsWith(prefix)),
    route,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
