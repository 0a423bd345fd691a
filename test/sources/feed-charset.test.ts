import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeText, detectCharset } from "../../src/sources/feed-charset.js";

const xml = (encoding: string | undefined, body: string): string =>
  `<?xml version="1.0"${encoding ? ` encoding="${encoding}"` : ""}?><rss><channel><title>${body}</title></channel></rss>`;

describe("detectCharset", () => {
  it.each<[string, Uint8Array, string, string, string]>([
    ["a UTF-8 BOM beats the header", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml(undefined, "é"))]), "text/xml; charset=iso-8859-1", "utf-8", "bom"],
    ["a UTF-16LE BOM", Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(xml("utf-16", "x"), "utf16le")]), "", "utf-16le", "bom"],
    ["a UTF-32BE BOM", Buffer.concat([Buffer.from([0, 0, 0xfe, 0xff]), iconv.encode(xml(undefined, "x"), "utf32be")]), "", "utf-32be", "bom"],
    ["UTF-16BE sniffed from `<?`", iconv.encode(xml("utf-16", "x"), "utf16be"), "", "utf-16be", "sniff"],
    ["UTF-16LE sniffed from `<r` (no declaration)", iconv.encode("<rss/>", "utf16le"), "", "utf-16le", "sniff"],
    ["the header beats the declaration", iconv.encode(xml("utf-8", "\u20ac"), "windows-1252"), "application/rss+xml; charset=windows-1252", "windows-1252", "http"],
    ["the declaration when the header has no charset", iconv.encode(xml("windows-1252", "\u20ac"), "windows-1252"), "application/xml", "windows-1252", "xml"],
    ["iso-8859-1 means windows-1252", iconv.encode(xml("ISO-8859-1", "\u2019"), "windows-1252"), "", "windows-1252", "xml"],
    ["UTF-8 bytes under a Latin-1 declaration are UTF-8", Buffer.from(xml("ISO-8859-1", "Café")), "", "utf-8", "utf-8-override"],
    ["ASCII under a Latin-1 declaration stays as declared", Buffer.from(xml("ISO-8859-1", "Cafe")), "", "windows-1252", "xml"],
    ["a false UTF-8 header falls through to the declaration", iconv.encode(xml("windows-1252", "\u2019"), "windows-1252"), "text/xml; charset=UTF-8", "windows-1252", "xml"],
    ["invalid UTF-8 with no label is windows-1252", iconv.encode(xml(undefined, "\u2019"), "windows-1252"), "", "windows-1252", "sniff"],
    ["valid UTF-8 with no label is UTF-8", Buffer.from(xml(undefined, "\u2019")), "", "utf-8", "default"],
    ["an unknown label is ignored", Buffer.from(xml("x-no-such-charset", "\u2019")), "", "utf-8", "default"],
    ["a UTF-16 declaration on ASCII-compatible bytes is a copied prolog", Buffer.from(xml("UTF-16", "\u2019")), "", "utf-8", "default"],
  ])("%s", (_what, bytes, contentType, charset, by) => {
    expect(detectCharset(bytes, contentType)).toEqual({ charset, by });
  });
});

describe("decodeText", () => {
  it("decodes windows-1252 punctuation and € as characters, not C1 controls", () => {
    const text = decodeText(iconv.encode(xml("windows-1252", "\u2018a\u2019 \u201cb\u201d \u2013 \u2014 \u20ac"), "windows-1252"), "");
    expect(text).toContain("<title>\u2018a\u2019 \u201cb\u201d \u2013 \u2014 \u20ac</title>");
  });

  it("drops the byte-order mark", () => {
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode("<rss/>", "utf16be")]), "")).toBe("<rss/>");
  });
});
