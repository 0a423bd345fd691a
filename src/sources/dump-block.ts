/** One release block of a dump, built paragraph by paragraph as the lines go by, then finished. */
import type { Block, Release } from "../core/release.js";
import { formatLondonDate } from "../core/london.js";
import { parseDumpDateLine, type DumpDateLine } from "./dump-date-line.js";
import { parseDumpHeader, splitDumpHeader, type DumpHeader } from "./dump-header.js";
import { canonicalId } from "../core/ids.js";
import { normaliseKind } from "./kinds.js";

export interface OpenBlock {
  /** 1-based line of the header. */
  readonly line: number;
  readonly rawHeader: string;
  readonly header: DumpHeader;
  /** Still before the body: the repeated title, an image name and the date line may come. */
  inPreamble: boolean;
  dateLine?: DumpDateLine;
  readonly body: Block[];
  /** The list new items join, until a paragraph ends it. */
  items?: string[];
}

/** An image name UKPOL puts before the date line (`theresamay`). */
const IMAGE_TOKEN = /^[a-z0-9][a-z0-9_.-]{0,60}$/;

/** A block for a header line whose text after the bullet, cleaned by `cleanLine`, is `rawHeader`. */
export function openBlock(line: number, rawHeader: string): OpenBlock {
  return { line, rawHeader, header: splitDumpHeader(rawHeader), inPreamble: true, dateLine: undefined, body: [], items: undefined };
}

function isRepeatedTitle(text: string, block: OpenBlock): boolean {
  if (text === block.rawHeader) return true;
  if (text.length > block.rawHeader.length + 40) return false;
  // The title is what is left of the (clean) text without its label and month: a part of it.
  const title = block.header.title;
  return text.includes(title) && parseDumpHeader(text).title === title;
}

/** Adds a cleaned, non-empty paragraph: preamble lines are recognised and kept out of the body. */
export function addParagraph(block: OpenBlock, text: string): void {
  if (block.inPreamble) {
    if (isRepeatedTitle(text, block) || IMAGE_TOKEN.test(text)) return;
    block.inPreamble = false;
    const dateLine = parseDumpDateLine(text);
    if (dateLine) {
      block.dateLine = dateLine;
      return;
    }
  }
  block.items = undefined;
  block.body.push({ type: "paragraph", text });
}

/** Adds a cleaned, non-empty list item, to the open list or a new one. */
export function addItem(block: OpenBlock, text: string): void {
  block.inPreamble = false;
  if (!block.items) {
    block.items = [];
    block.body.push({ type: "list", items: block.items });
  }
  block.items.push(text);
}

/** A line that continues the last list item. */
export function continueItem(block: OpenBlock, text: string): void {
  const items = block.items;
  if (items && items.length > 0) items[items.length - 1] = `${items[items.length - 1]!} ${text}`;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

/** Kind labels seen so far: a dump repeats a handful of them thousands of times. */
const KIND_CACHE = new Map<string, string>();

function kindFromLabel(label: string): string {
  let kind = KIND_CACHE.get(label);
  if (kind === undefined) {
    kind = normaliseKind(label);
    if (KIND_CACHE.size < 1000) KIND_CACHE.set(label, kind);
  }
  return kind;
}

function kindOf(header: DumpHeader, dateLine: DumpDateLine | undefined): string {
  if (header.label) return kindFromLabel(header.label);
  if (dateLine) return kindFromLabel(dateLine.label);
  return /\s[–-]\s\d{4}\s+speech\b/i.test(header.title) ? "speech" : "press-release";
}

/** The release of a finished block, or undefined (with a warning saying why) when it cannot be one. */
export function finishBlock(block: OpenBlock, file: string, department: string, warnings: string[]): Release | undefined {
  const { header, dateLine, body } = block;
  if (header.title === "") {
    warnings.push(`${file}:${block.line}: release header ${quote(block.rawHeader)} has no title; skipped`);
    return undefined;
  }
  let date = dateLine?.date;
  if (date === undefined) {
    const problem = dateLine
      ? `date line says ${quote(dateLine.dateText)}, which is not a date`
      : `no date line like "The press release issued by the Home Office on 30 October 2023."`;
    if (header.month === undefined) {
      warnings.push(`${file}:${block.line}: ${quote(header.title)}: ${problem} and no [Month Year] in the header; skipped`);
      return undefined;
    }
    date = `${header.month}-01`;
    warnings.push(`${file}:${block.line}: ${quote(header.title)}: ${problem}; using ${formatLondonDate(date)} from the header`);
  }
  if (body.length === 0) warnings.push(`${file}:${block.line}: ${quote(header.title)} has no body text`);
  const first = body.find((b) => b.type === "paragraph");
  const issuer = dateLine?.issuer ?? department;
  return {
    id: canonicalId(issuer, date, header.title),
    title: header.title,
    kind: kindOf(header, dateLine),
    department: issuer,
    date,
    summary: first?.type === "paragraph" ? first.text : "",
    body,
  };
}
