/**
 * Entity references in the text of a feed, decoded once: the XML five, character references
 * (`&#146;`-style references to C1 code points mapped through windows-1252, as browsers do), the
 * entities a DOCTYPE declares, and the HTML names feeds use without declaring them (`&eacute;`,
 * `&AElig;`), all by the `entities` package. A bare `&` and an unknown name stay as written.
 */
import { decodeHTMLStrict } from "entities";

const REFERENCE = /&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[A-Za-z_][\w.:-]{0,63});/g;
const DECLARATION = /!ENTITY\s+([A-Za-z_][\w.:-]*)\s+(["'])([\s\S]*?)\2/g;

/** Entities declared in a DOCTYPE internal subset, read from the declaration text the tokenizer reports. */
export function readEntityDeclarations(declaration: string, into: Map<string, string>): void {
  for (const match of declaration.matchAll(DECLARATION)) {
    const [, name, , value] = match;
    // A declared value may itself use references (but not recursively to itself).
    if (name && value !== undefined && !into.has(name)) into.set(name, decodeFeedEntities(value, into));
  }
}

/** Decodes the entity references in raw (non-CDATA) feed text. */
export function decodeFeedEntities(raw: string, declared: ReadonlyMap<string, string> = new Map()): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(REFERENCE, (reference) => {
    const own = reference[1] === "#" ? undefined : declared.get(reference.slice(1, -1));
    return own ?? decodeHTMLStrict(reference);
  });
}
