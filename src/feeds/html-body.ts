import type { Block } from "../core/release.js";
import { escapeHtml } from "../core/text.js";

/**
 * A release body as HTML: one `<p>` per paragraph, one `<ul><li>` per list. All text is escaped
 * (and stripped of XML-invalid characters), so the result is safe in HTML, XML and CDATA
 * (it never contains `]]>`). Empty paragraphs and items are dropped; an empty body gives "".
 */
export function renderHtmlBody(body: readonly Block[]): string {
  const parts: string[] = [];
  for (const block of body) {
    if (block.type === "paragraph") {
      const text = escapeHtml(block.text).trim();
      if (text) parts.push(`<p>${text}</p>`);
    } else {
      const items = block.items.map((item) => escapeHtml(item).trim()).filter(Boolean);
      if (items.length > 0) parts.push(`<ul>${items.map((item) => `<li>${item}</li>`).join("")}</ul>`);
    }
  }
  return parts.join("\n");
}
