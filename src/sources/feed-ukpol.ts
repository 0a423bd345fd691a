/**
 * The UKPOL (WordPress) reposts the dumps come from: `PRESS RELEASE : Title [October 2023]` titles,
 * and a body opening with the italic line that dates it,
 * `<em>The press release issued by the Home Office on 30 October 2023.</em>`.
 * The same header and date-line rules as the dump parser, so both give the same release id.
 */
import type { Block } from "../core/release.js";
import { parseDumpDateLine } from "./dump-date-line.js";
import type { DumpDateLine } from "./dump-date-line.js";
import { parseDumpHeader } from "./dump-header.js";
import { htmlToBlocks } from "./html-to-blocks.js";
import { normaliseKind } from "./kinds.js";

export interface UkpolTitle {
  readonly title: string;
  /** Kind from the `PRESS RELEASE : ` label, if any. */
  readonly kind?: string;
  /** `YYYY-MM` from the ` [October 2023]` suffix, if any. */
  readonly month?: string;
}

/**
 * Strips the `LABEL : ` prefix and ` [Month Year]` suffix from a plain-text title (the feed parser
 * has already decoded its entities, once: decoding again would turn a literal `&amp;` into `&`).
 */
export function parseUkpolTitle(title: string): UkpolTitle {
  const header = parseDumpHeader(title);
  return { title: header.title, kind: header.label ? normaliseKind(header.label) : undefined, month: header.month };
}

export interface UkpolBody {
  readonly dateLine?: DumpDateLine;
  /** Blocks after the date line (the summary paragraph included). */
  readonly body: Block[];
}

/** Splits off the opening "issued by … on …" line when the first block is one. */
export function parseUkpolBody(html: string): UkpolBody {
  const blocks = htmlToBlocks(html);
  const first = blocks[0];
  const dateLine = first?.type === "paragraph" ? parseDumpDateLine(first.text) : undefined;
  return dateLine ? { dateLine, body: blocks.slice(1) } : { body: blocks };
}
