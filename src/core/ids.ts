import { createHash } from "node:crypto";
import type { Block } from "./release.js";
import { memoizeBounded } from "./memo.js";
import { canonicalText, slugify } from "./text.js";

/** Authority of our `tag:` URIs (RFC 4151). */
export const TAG_AUTHORITY = "pressroom.invalid";

/**
 * Canonical release id: `tag:pressroom.invalid,2023-10-30:home-office/letter-to-police-...`.
 * Derived from department, London date and title, so the same release in two dumps gets one id.
 * The store keeps the id a release first got, whatever later revisions change.
 */
export function canonicalId(department: string, date: string, title: string): string {
  return `tag:${TAG_AUTHORITY},${date}:${departmentSlug(department)}/${slugify(title)}`;
}

/** Departments are few and repeat on every release: their slugs are worth remembering. */
const departmentSlug = memoizeBounded((department) => slugify(department, 60), 1_000);

/** Key used to match one release across sources: normalised title. Combined with a date window. */
export function titleKey(title: string): string {
  return slugify(title, 200);
}

/** Canonical form of a public URL: https, no fragment, no tracking query, no trailing slash. */
export function canonicalUrl(url: string): string {
  try {
    const u = new URL(url);
    u.hash = "";
    for (const key of [...u.searchParams.keys()]) {
      if (/^utm_/i.test(key)) u.searchParams.delete(key);
    }
    if (u.protocol === "http:" && /(^|\.)gov\.uk$/.test(u.hostname)) u.protocol = "https:";
    u.hostname = u.hostname.toLowerCase();
    let s = u.toString();
    if (s.endsWith("/") && u.pathname !== "/") s = s.slice(0, -1);
    return s;
  } catch {
    return url.trim();
  }
}

/**
 * Content hash over the normalised text of a release version. The parts are joined (each behind
 * its separator, so no character pairs across two parts) and hashed at once: the same bytes as
 * hashing them one by one, for one call into the hash instead of one per paragraph.
 */
export function contentHash(parts: { title: string; summary: string; body: readonly Block[] }): string {
  let text = `${canonicalText(parts.title)}\u0000${canonicalText(parts.summary)}`;
  for (const block of parts.body) {
    text += "\u0001";
    if (block.type === "paragraph") text += canonicalText(block.text);
    else for (const item of block.items) text += `\u0002${canonicalText(item)}`;
  }
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/** Short stable hash of any string (hex). */
export function shortHash(input: string, length = 16): string {
  return createHash("sha256").update(input).digest("hex").slice(0, length);
}
