import { describe, expect, it } from "vitest";
import { htmlToText, parseAtom, validateAtom } from "../helpers/validate-atom.js";

const head = '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">';
const meta = "<id>tag:x,2023:f</id><title>t</title><updated>2023-01-01T00:00:00Z</updated>";
const entry = (inner: string) =>
  `<entry><id>tag:x,2023:e</id><title>e</title><updated>2023-01-01T00:00:00Z</updated>${inner}</entry>`;

describe("validateAtom (test helper)", () => {
  it("accepts a minimal valid feed", async () => {
    await expect(validateAtom(`${head}${meta}<author><name>a</name></author></feed>`)).resolves.toBeUndefined();
  });

  it.each([
    ["ill-formed (control character)", `${head}${meta}<author><name>a\u0001</name></author></feed>`, /RELAX NG/],
    ["no id (RELAX NG)", `${head}<title>t</title><updated>2023-01-01T00:00:00Z</updated><author><name>a</name></author></feed>`, /RELAX NG/],
    ["bad date (RELAX NG)", `${head}<id>tag:x,2023:f</id><title>t</title><updated>yesterday</updated><author><name>a</name></author></feed>`, /RELAX NG/],
    ["no author anywhere (Schematron)", `${head}${meta}${entry('<link href="http://a.example/"/>')}</feed>`, /Schematron[\s\S]*atom:author/],
    ["entry with neither link nor content (Schematron)", `${head}${meta}${entry("<author><name>a</name></author>")}</feed>`, /Schematron[\s\S]*alternate/],
  ])("rejects a feed with %s, quoting xmllint", async (_name, xml, message) => {
    await expect(validateAtom(xml)).rejects.toThrow(message);
  });

  it("parses Atom extras rss-parser does not map: updated, categories, links, fh markers", async () => {
    const xml = `${head.replace('">', '" xmlns:fh="http://purl.org/syndication/history/1.0">')}${meta}<fh:archive/>
      <link rel="current" href="http://a.example/all.atom"/>
      ${entry('<author><name>a</name></author><category term="speech" label="Speech"/><link href="http://a.example/e"/><published>2022-12-31T00:00:00Z</published>')}</feed>`;
    const parsed = await parseAtom(xml);
    expect(parsed.archive).toBe(true);
    expect(parsed.complete).toBe(false);
    expect(parsed.links).toEqual([{ rel: "current", href: "http://a.example/all.atom" }]);
    expect(parsed.entries[0]).toMatchObject({
      id: "tag:x,2023:e",
      title: "e",
      titleType: "text",
      updated: "2023-01-01T00:00:00Z",
      published: "2022-12-31T00:00:00Z",
      link: "http://a.example/e",
      categories: [{ term: "speech", label: "Speech" }],
    });
  });

  it.each([
    ["&lt;b&gt;x&lt;/b&gt; &amp;amp; &#39;&#x1F600;", "<b>x</b> &amp; '😀"],
    ["<p>a</p><ul><li>b</li></ul>", "ab"],
  ])("htmlToText(%s)", (html, text) => {
    expect(htmlToText(html)).toBe(text);
  });
});
