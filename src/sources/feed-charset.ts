/**
 * Bytes → text the way feed readers and browsers pick a charset: a byte-order mark first, then the
 * HTTP `charset`, then the XML declaration's `encoding`, then sniffing (UTF-16/32 without a BOM,
 * UTF-8 when the bytes are valid UTF-8, windows-1252 otherwise). Legacy labels are decoded with
 * iconv-lite: Node's TextDecoder reads `windows-1252` as Latin-1, which turns curly quotes, dashes
 * and € into C1 control characters. As browsers do, `iso-8859-1` and `us-ascii` labels mean
 * windows-1252, and a Latin-1 family label over bytes that are valid UTF-8 with multibyte
 * sequences (a copied prolog, a misconfigured server) is overruled: those bytes are UTF-8.
 */
import iconv from "iconv-lite";

const BOMS: readonly (readonly [readonly number[], string])[] = [
  [[0x00, 0x00, 0xfe, 0xff], "utf-32be"],
  [[0xff, 0xfe, 0x00, 0x00], "utf-32le"],
  [[0xef, 0xbb, 0xbf], "utf-8"],
  [[0xfe, 0xff], "utf-16be"],
  [[0xff, 0xfe], "utf-16le"],
];

/** `<?xml` in UTF-16/32 without a BOM. */
const SNIFFS: readonly (readonly [readonly number[], string])[] = [
  [[0x00, 0x00, 0x00, 0x3c], "utf-32be"],
  [[0x3c, 0x00, 0x00, 0x00], "utf-32le"],
  [[0x00, 0x3c, 0x00, 0x3f], "utf-16be"],
  [[0x3c, 0x00, 0x3f, 0x00], "utf-16le"],
];

/** Labels browsers decode as windows-1252 (the WHATWG Encoding Standard's list, shortened). */
const WINDOWS_1252 = new Set([
  "windows-1252", "cp1252", "x-cp1252", "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "cp819",
  "ibm819", "us-ascii", "ascii", "ansi_x3.4-1968", "iso-ir-100", "csisolatin1",
]);

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/** The `charset` parameter of a Content-Type header, if any. */
export function charsetOfContentType(contentType: string): string | undefined {
  return /;\s*charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType)?.[1]?.toLowerCase();
}

/** The `encoding` of an XML declaration written in an ASCII-compatible charset, if any. */
export function charsetOfXmlDeclaration(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 512)).toString("latin1");
  return /^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1]?.toLowerCase();
}

/** True when the bytes are valid UTF-8; `multibyte` when they also hold a non-ASCII sequence. */
export function inspectUtf8(bytes: Uint8Array): { valid: boolean; multibyte: boolean } {
  let multibyte = false;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) { i += 1; continue; }
    const extra = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (extra < 0 || i + extra >= bytes.length) return { valid: false, multibyte };
    for (let k = 1; k <= extra; k++) {
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return { valid: false, multibyte };
    }
    const second = bytes[i + 1]!;
    if ((b === 0xe0 && second < 0xa0) || (b === 0xed && second > 0x9f) || (b === 0xf0 && second < 0x90) || (b === 0xf4 && second > 0x8f)) {
      return { valid: false, multibyte };
    }
    multibyte = true;
    i += extra + 1;
  }
  return { valid: true, multibyte };
}

function normaliseLabel(label: string): string | undefined {
  const lower = label.trim().toLowerCase();
  if (WINDOWS_1252.has(lower)) return "windows-1252";
  if (lower === "utf8") return "utf-8";
  if (lower === "utf-16" || lower === "utf-32") return lower; // BOM-less: big-endian unless sniffed
  return iconv.encodingExists(lower) ? lower : undefined;
}

export interface CharsetChoice {
  readonly charset: string;
  /** What decided it: `bom`, `http`, `xml`, `sniff`, `utf-8-override` or `default`. */
  readonly by: "bom" | "http" | "xml" | "sniff" | "utf-8-override" | "default";
}

/** Picks the charset of a body (see the module comment for the order). */
export function detectCharset(bytes: Uint8Array, contentType: string): CharsetChoice {
  for (const [bom, charset] of BOMS) if (startsWith(bytes, bom)) return { charset, by: "bom" };
  for (const [sniff, charset] of SNIFFS) if (startsWith(bytes, sniff)) return { charset, by: "sniff" };
  // `<` then a letter in UTF-16 without a declaration.
  if (bytes[0] === 0x3c && bytes[1] === 0 && bytes[2] !== 0 && bytes[3] === 0) return { charset: "utf-16le", by: "sniff" };
  if (bytes[0] === 0 && bytes[1] === 0x3c && bytes[2] === 0 && bytes[3] !== 0) return { charset: "utf-16be", by: "sniff" };
  const utf8 = inspectUtf8(bytes);
  const candidates: [string | undefined, CharsetChoice["by"]][] = [
    [charsetOfContentType(contentType), "http"],
    [charsetOfXmlDeclaration(bytes), "xml"],
  ];
  for (const [label, by] of candidates) {
    if (!label) continue;
    const charset = normaliseLabel(label);
    if (!charset) continue;
    // A UTF-16/32 label on a body that sniffed as ASCII-compatible is a copied prolog.
    if (/^utf-(16|32)/.test(charset)) continue;
    if (charset === "windows-1252" && utf8.valid && utf8.multibyte) return { charset: "utf-8", by: "utf-8-override" };
    // A body labelled UTF-8 that is not UTF-8 falls through to the next label, then to sniffing.
    if (charset === "utf-8" && !utf8.valid) continue;
    return { charset, by };
  }
  return utf8.valid ? { charset: "utf-8", by: "default" } : { charset: "windows-1252", by: "sniff" };
}

/** Decodes a body to text (see the module comment); a leading BOM is dropped. */
export function decodeText(bytes: Uint8Array, contentType: string): string {
  const { charset } = detectCharset(bytes, contentType);
  const text = iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), charset, { stripBOM: true });
  return text;
}
