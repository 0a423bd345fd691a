/**
 * Shared test helper: validates Atom documents with xmllint (RFC 4287 RELAX NG grammar plus the
 * RFC's Schematron rules) and parses them back with rss-parser, the way a feed reader would.
 * Needs `xmllint` (Debian `libxml2-utils`).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Parser from "rss-parser";

const run = promisify(execFile);

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** `../shared/validators` next to the repo when present, else the copy in `test/fixtures/validators`. */
export function validatorsDir(): string {
  const shared = path.resolve(repoRoot, "../shared/validators");
  if (existsSync(path.join(shared, "atom.rng")) && existsSync(path.join(shared, "atom.sch"))) return shared;
  return path.resolve(repoRoot, "test/fixtures/validators");
}

async function xmllint(args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run("xmllint", args, { maxBuffer: 16 * 1024 * 1024 });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === "ENOENT") throw new Error("xmllint not found: install it with `apt-get install -y libxml2-utils`");
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}`.trim() || String(e.message) };
  }
}

/** Throws with xmllint's output unless `xml` is valid against both atom.rng and atom.sch. */
export async function validateAtom(xml: string): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pressroom-atom-"));
  const file = path.join(dir, "feed.atom");
  try {
    await writeFile(file, xml, "utf8");
    const validators = validatorsDir();
    const relaxng = await xmllint(["--noout", "--nonet", "--relaxng", path.join(validators, "atom.rng"), file]);
    if (!relaxng.ok) throw new Error(`Atom RELAX NG validation failed:\n${relaxng.output}`);
    const schematron = await xmllint(["--noout", "--nonet", "--schematron", path.join(validators, "atom.sch"), file]);
    if (!schematron.ok) throw new Error(`Atom Schematron validation failed:\n${schematron.output}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface AtomLink {
  readonly rel: string;
  readonly href: string;
}

export interface ParsedAtomEntry {
  readonly id: string;
  /** The title as a reader shows it: `type="html"` decoded to text. */
  readonly title: string;
  /** The title exactly as in the document (escaped HTML for `type="html"`). */
  readonly titleRaw: string;
  readonly titleType: string;
  /** rss-parser's pick of the alternate link. */
  readonly link?: string;
  readonly links: readonly AtomLink[];
  readonly updated?: string;
  readonly published?: string;
  readonly author?: string;
  readonly categories: readonly { readonly term: string; readonly label?: string }[];
  readonly summary?: string;
  readonly content?: string;
}

export interface ParsedAtom {
  readonly id?: string;
  readonly title?: string;
  readonly updated?: string;
  readonly links: readonly AtomLink[];
  /** RFC 5005 markers. */
  readonly archive: boolean;
  readonly complete: boolean;
  readonly entries: readonly ParsedAtomEntry[];
}

type XmlNode = { _?: string; $?: Record<string, string> } | string;

function textOf(node: XmlNode | undefined): string {
  if (node === undefined) return "";
  return typeof node === "string" ? node : (node._ ?? "");
}

function linksOf(nodes: unknown): AtomLink[] {
  if (!Array.isArray(nodes)) return [];
  return (nodes as XmlNode[]).map((n) => {
    const attrs = typeof n === "string" ? {} : (n.$ ?? {});
    return { rel: attrs.rel ?? "alternate", href: attrs.href ?? "" };
  });
}

/** Text a reader shows for `type="html"`: tags dropped, character references decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos|#39);/gi, (_, ref: string) => {
      const r = ref.toLowerCase();
      if (r.startsWith("#x")) return String.fromCodePoint(Number.parseInt(r.slice(2), 16));
      if (r.startsWith("#")) return String.fromCodePoint(Number.parseInt(r.slice(1), 10));
      return ({ lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" } as Record<string, string>)[r] ?? "";
    });
}

const parser = new Parser({
  customFields: {
    feed: ["id", "updated", ["link", "links", { keepArray: true }], "fh:archive", "fh:complete"] as never,
    item: [
      "id",
      "updated",
      "published",
      ["title", "titleElement", { keepArray: true }],
      ["link", "atomLinks", { keepArray: true }],
      ["category", "atomCategories", { keepArray: true }],
    ],
  },
});

/** Round trip through rss-parser's `parseString`, plus the Atom parts it does not map itself. */
export async function parseAtom(xml: string): Promise<ParsedAtom> {
  const out = (await parser.parseString(xml)) as unknown as Record<string, unknown> & { items: Record<string, unknown>[] };
  const entries = out.items.map((item): ParsedAtomEntry => {
    const titleNode = (item.titleElement as XmlNode[] | undefined)?.[0];
    const titleType = typeof titleNode === "object" ? (titleNode.$?.type ?? "text") : "text";
    const titleRaw = textOf(titleNode);
    const categories = ((item.atomCategories as XmlNode[] | undefined) ?? []).map((c) => {
      const attrs = typeof c === "string" ? {} : (c.$ ?? {});
      return { term: attrs.term ?? "", ...(attrs.label !== undefined ? { label: attrs.label } : {}) };
    });
    return {
      id: String(item.id ?? ""),
      title: titleType === "html" ? htmlToText(titleRaw) : titleRaw,
      titleRaw,
      titleType,
      ...(typeof item.link === "string" ? { link: item.link } : {}),
      links: linksOf(item.atomLinks),
      ...(typeof item.updated === "string" ? { updated: item.updated } : {}),
      ...(typeof item.published === "string" ? { published: item.published } : {}),
      ...(typeof item.author === "string" ? { author: item.author } : {}),
      categories,
      ...(typeof item.summary === "string" ? { summary: item.summary } : {}),
      ...(typeof item.content === "string" ? { content: item.content } : {}),
    };
  });
  return {
    ...(typeof out.id === "string" ? { id: out.id } : {}),
    ...(typeof out.title === "string" ? { title: out.title } : {}),
    ...(typeof out.updated === "string" ? { updated: out.updated } : {}),
    links: linksOf(out.links),
    archive: out["fh:archive"] !== undefined,
    complete: out["fh:complete"] !== undefined,
    entries,
  };
}
