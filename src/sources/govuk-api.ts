/** The GOV.UK Search API and Content API responses we use, checked at the boundary. */
import { PressroomError } from "../core/errors.js";
import type { HttpFetcher, HttpResult } from "../core/source.js";

export interface SearchResult {
  readonly link: string;
  readonly title?: string;
  readonly public_timestamp?: string;
  readonly content_store_document_type?: string;
  readonly description?: string;
}

export interface ContentItem {
  readonly base_path?: string;
  readonly title?: string;
  readonly description?: string | null;
  readonly document_type?: string;
  readonly first_published_at?: string;
  readonly public_updated_at?: string;
  readonly details?: {
    readonly body?: string;
    readonly change_history?: readonly { readonly public_timestamp?: string; readonly note?: string }[];
    readonly emphasised_organisations?: readonly string[];
  };
  readonly links?: {
    readonly organisations?: readonly { readonly content_id?: string; readonly title?: string; readonly base_path?: string }[];
  };
}

export const SEARCH_FIELDS = ["title", "link", "public_timestamp", "content_store_document_type", "description"] as const;

export function searchUrl(base: string, organisation: string, supergroup: string, count: number, start = 0): string {
  const url = new URL("/api/search.json", base);
  url.searchParams.set("filter_organisations", organisation);
  url.searchParams.set("filter_content_purpose_supergroup", supergroup);
  url.searchParams.set("order", "-public_timestamp");
  url.searchParams.set("count", String(count));
  if (start > 0) url.searchParams.set("start", String(start));
  for (const field of SEARCH_FIELDS) url.searchParams.append("fields", field);
  return url.toString();
}

export function contentUrl(base: string, link: string): string {
  return new URL(`/api/content${link}`, base).toString();
}

/** Parses a JSON response body, refusing HTML error pages. */
export function parseJson(response: Extract<HttpResult, { status: "ok" }>, url: string): unknown {
  if (/\btext\/html\b/i.test(response.contentType) || /^\s*</.test(response.body)) {
    throw new PressroomError("FEED_MALFORMED", `${url}: returned an HTML page, not JSON (check the URL, or the site may be down)`);
  }
  try {
    return JSON.parse(response.body) as unknown;
  } catch (error) {
    throw new PressroomError("FEED_MALFORMED", `${url}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

export function readSearchResults(json: unknown, url: string): SearchResult[] {
  const results = (json as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) {
    throw new PressroomError("FEED_MALFORMED", `${url}: the search response has no "results" list`);
  }
  return results.filter((r): r is SearchResult => typeof r === "object" && r !== null && typeof (r as { link?: unknown }).link === "string");
}

export async function fetchJson(http: HttpFetcher, url: string): Promise<unknown> {
  const response = await http.get(url, { accept: "application/json" });
  if (response.status !== "ok") {
    throw new PressroomError("FETCH_FAILED", `${url}: answered 304 Not Modified to a request without validators`);
  }
  return parseJson(response, url);
}
