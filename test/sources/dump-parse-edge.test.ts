import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isPressroomError } from "../../src/core/errors.js";
import { canonicalId } from "../../src/core/ids.js";
import type { Block } from "../../src/core/release.js";
import { parseDump } from "../../src/sources/dump-parse.js";

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/dump/${name}`, import.meta.url), "utf8");
}

interface Expected {
  readonly line: number;
  readonly title: string;
  readonly date: string;
  readonly kind?: string;
  readonly department?: string;
  readonly summary?: string;
  readonly body?: readonly Block[];
}

interface Case {
  readonly file: string;
  readonly releases: readonly Expected[];
  /** One pattern per warning, in order. */
  readonly warnings?: readonly RegExp[];
}

const CASES: readonly Case[] = [
  {
    file: "crlf-bom-nbsp.txt",
    releases: [
      {
        line: 3, title: "Border Force seizes record haul", date: "2023-11-02",
        summary: "Officers seized 2 tonnes of cocaine at the port.",
        body: [
          { type: "paragraph", text: "Officers seized 2 tonnes of cocaine at the port." },
          { type: "paragraph", text: "The Immigration Minister said:" },
        ],
      },
      {
        line: 15, title: "Second release without final newline", date: "2023-11-03",
        body: [{ type: "paragraph", text: "Last paragraph with no newline at the end of the file." }],
      },
    ],
  },
  {
    file: "missing-repeated-title.txt",
    releases: [{ line: 3, title: "New visa rules announced", date: "2023-12-04", summary: "The Home Secretary set out a five-point plan." }],
  },
  {
    file: "missing-date-line.txt",
    releases: [
      {
        line: 3, title: "Undated release", date: "2024-01-01", summary: "First paragraph is the summary.",
        body: [{ type: "paragraph", text: "First paragraph is the summary." }, { type: "paragraph", text: "Second paragraph." }],
      },
      { line: 11, title: "Dated release", date: "2024-01-15", summary: "Dated summary." },
    ],
    warnings: [/^missing-date-line\.txt:3: "Undated release": no date line .*; using 1 January 2024 from the header$/],
  },
  {
    file: "no-date-info.txt",
    releases: [{ line: 7, title: "Still parsed after the bad block", date: "2024-02-06", summary: "Good summary." }],
    warnings: [/^no-date-info\.txt:3: "Nothing says when": no date line .* and no \[Month Year\] in the header; skipped$/],
  },
  {
    file: "missing-suffix.txt",
    releases: [{ line: 1, title: "Release with no month suffix", date: "2024-02-07", summary: "Summary here." }],
  },
  {
    file: "colons-brackets.txt",
    releases: [
      { line: 3, title: "Policing: the [new] approach", date: "2024-03-12", summary: "Summary: with a colon [and brackets]." },
      { line: 11, title: "Knife crime [update] : phase 2 [not a month]", date: "2024-03-13", summary: "Second summary." },
    ],
  },
  {
    file: "other-issuer.txt",
    releases: [
      { line: 3, title: "New prison places confirmed", date: "2024-05-03", department: "Ministry of Justice", summary: "Summary from the MoJ." },
      {
        line: 11, title: "Joint statement on flooding", date: "2024-05-04",
        department: "Department for Levelling Up, Housing and Communities", summary: "Summary from DLUHC.",
      },
    ],
  },
  {
    file: "speeches-and-kinds.txt",
    releases: [
      { line: 3, title: "Suella Braverman – 2023 Speech on Policing", date: "2023-10-05", kind: "speech", summary: "Thank you all for coming." },
      { line: 11, title: "James Cleverly – 2024 Speech on Migration", date: "2024-03-05", kind: "speech", summary: "Good morning." },
      { line: 19, title: "Minister visits Dover", date: "2024-04-09", kind: "news-story", summary: "The minister met Border Force officers." },
      { line: 25, title: "Immigration update", date: "2024-04-10", kind: "written-statement", summary: "I am today updating the House." },
    ],
  },
  {
    file: "lists-in-body.txt",
    releases: [{
      line: 3, title: "Measures announced", date: "2024-06-01", summary: "The measures include:",
      body: [
        { type: "paragraph", text: "The measures include:" },
        { type: "list", items: ["more patrols", "new powers for landlords", "longer sentences"] },
        { type: "paragraph", text: "A paragraph that wraps onto a second line." },
        { type: "list", items: ["a deeper bullet", "a three-space bullet"] },
        { type: "paragraph", text: "Final words." },
      ],
    }],
  },
  {
    file: "bad-date-and-empty-title.txt",
    releases: [
      { line: 3, title: "Impossible date", date: "2024-02-01", summary: "Summary of the impossible date." },
      { line: 15, title: "Title only", date: "2024-02-01", summary: "", body: [] },
    ],
    warnings: [
      /^bad-date-and-empty-title\.txt:3: "Impossible date": date line says "31 February 2024", which is not a date; using 1 February 2024 from the header$/,
      /^bad-date-and-empty-title\.txt:9: release header "PRESS RELEASE : \[February 2024\]" has no title; skipped$/,
      /^bad-date-and-empty-title\.txt:15: "Title only": no date line .*using 1 February 2024 from the header$/,
      /^bad-date-and-empty-title\.txt:15: "Title only" has no body text$/,
    ],
  },
];

describe("parseDump on edge-case fixtures", () => {
  it.each(CASES)("$file", ({ file, releases: expected, warnings: expectedWarnings = [] }) => {
    const { releases, warnings } = parseDump(fixture(file), file);
    expect(releases.map((r) => [r.line, r.release.title])).toEqual(expected.map((e) => [e.line, e.title]));
    expected.forEach((e, i) => {
      const { release } = releases[i]!;
      const department = e.department ?? "Home Office";
      expect(release.date).toBe(e.date);
      expect(release.kind).toBe(e.kind ?? "press-release");
      expect(release.department).toBe(department);
      expect(release.id).toBe(canonicalId(department, e.date, e.title));
      if (e.summary !== undefined) expect(release.summary).toBe(e.summary);
      if (e.body !== undefined) expect(release.body).toEqual(e.body);
    });
    expect(warnings).toHaveLength(expectedWarnings.length);
    warnings.forEach((w, i) => expect(w).toMatch(expectedWarnings[i]!));
  });

  it("throws DUMP_EMPTY with the file name and the expected header shape when no release is found", () => {
    let caught: unknown;
    try {
      parseDump(fixture("no-release.txt"), "inbox/no-release.txt");
    } catch (error) {
      caught = error;
    }
    expect(isPressroomError(caught, "DUMP_EMPTY")).toBe(true);
    expect((caught as Error).message).toBe(
      'inbox/no-release.txt: no release found (expected lines like "  • PRESS RELEASE : Title [Month Year]")',
    );
  });

  it("names the first skipped block when every block is unparseable", () => {
    expect(() => parseDump("  • PRESS RELEASE : No date\n\n    Body.\n", "d.txt"))
      .toThrow(/^d\.txt: no release found .*; 1 block\(s\) could not be parsed, first: d\.txt:1: "No date": no date line/);
  });

  it.each(["", "   \n\n", "\uFEFF", "\r\n"])("returns nothing for a blank text %j", (text) => {
    expect(parseDump(text, "blank.txt")).toEqual({ releases: [], warnings: [] });
  });

  it("gives the same releases whatever the line endings, BOM, trailing spaces or NBSPs", () => {
    const lines = [
      "Tag: Home Office", "", "  • PRESS RELEASE : Same text [May 2024]", "",
      "    The press release issued by the Home Office on 2 May 2024.", "",
      "    First paragraph.", "", "    • one", "    • two", "", "    Last paragraph.",
    ];
    const expected = parseDump(`${lines.join("\n")}\n`, "lf.txt").releases.map((r) => r.release);
    const variants = [
      lines.join("\r\n"),
      `\uFEFF${lines.join("\r\n")}\r\n\r\n`,
      lines.map((l) => `${l}  \u00A0 `).join("\n"),
      lines.map((l) => l.replace(/ (?=paragraph)/, "\u00A0")).join("\n"),
      lines.join("\n\n"),
    ];
    for (const text of variants) expect(parseDump(text, "v.txt").releases.map((r) => r.release)).toEqual(expected);
    expect(expected[0]?.body).toEqual([
      { type: "paragraph", text: "First paragraph." },
      { type: "list", items: ["one", "two"] },
      { type: "paragraph", text: "Last paragraph." },
    ]);
  });

  it("reads a lone CR inside a line as a space", () => {
    const text = "  • PRESS RELEASE : Carriage\rreturn [May 2024]\n\n    The press release issued by the Home Office on 2 May 2024.\n\n    A\rB\n";
    const [parsed] = parseDump(text, "cr.txt").releases;
    expect(parsed?.release.title).toBe("Carriage return");
    expect(parsed?.release.summary).toBe("A B");
  });

  it("takes the department option for releases made by a person", () => {
    const text = "  • SPEECH : A speech [May 2024]\n\n    The speech made by Jane Doe, the Minister, on 2 May 2024.\n\n    Hello.";
    expect(parseDump(text, "s.txt", { department: "Cabinet Office" }).releases[0]?.release.department).toBe("Cabinet Office");
    expect(parseDump(text, "s.txt").releases[0]?.release.department).toBe("Home Office");
  });

  it("reports progress up to the full length", () => {
    const calls: [number, number][] = [];
    const text = fixture("missing-repeated-title.txt");
    parseDump(text, "p.txt", { onProgress: (done, total) => calls.push([done, total]) });
    expect(calls.at(-1)).toEqual([text.length, text.length]);
  });
});
