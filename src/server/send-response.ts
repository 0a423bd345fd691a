import type { ServerResponse } from "node:http";

const HTML_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  // Pages carry tokens in their URLs: never leak them to other sites.
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer, head: boolean): void {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  res.writeHead(status, { ...headers, "Content-Length": String(bytes.length) });
  res.end(head ? undefined : bytes);
}

export function sendHtml(res: ServerResponse, status: number, html: string, head = false, extra: Record<string, string> = {}): void {
  send(res, status, { ...HTML_HEADERS, ...extra }, html, head);
}

export function sendText(res: ServerResponse, status: number, text: string, head = false, extra: Record<string, string> = {}): void {
  send(res, status, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", ...extra }, `${text}\n`, head);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, head = false): void {
  send(res, status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" }, `${JSON.stringify(value, null, 2)}\n`, head);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, "Content-Length": "0" });
  res.end();
}
