import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { canonicalId } from "../../src/core/ids.js";
import type { Block } from "../../src/core/release.js";
import { parseDump } from "../../src/sources/dump-parse.js";

const SAMPLE = new URL("../../samples/home-office-2023-10.txt", import.meta.url);
const text = readFileSync(SAMPLE, "utf8");
const { releases, warnings } = parseDump(text, "home-office-2023-10.txt");

const EXPECTED: readonly { line: number; title: string; date: string; summary: string }[] = [
  { line: 3, date: "2023-10-30", title: "Home Secretary’s speech on tackling AI-generated child sex abuse material", summary: "The Home Secretary convened an event in partnership with the Internet Watch Foundation." },
  { line: 63, date: "2023-10-30", title: "Home Secretary joins forces with big tech to fight AI child sex abuse images", summary: "The Home Secretary hosted an event with the Internet Watch Foundation, and committed to clamp down on the spread of AI-generated child sex abuse material." },
  { line: 135, date: "2023-10-29", title: "Letter to police on AI enabled facial recognition searches", summary: "The Policing Minister writes to police chiefs to set out the importance of harnessing innovative technologies to support police in preventing and solving crimes." },
  { line: 165, date: "2023-10-29", title: "Police urged to double AI-enabled facial recognition searches", summary: "Policing Minister challenges police to double retrospective facial recognition searches to track down known offenders by May 2024." },
  { line: 213, date: "2023-10-26", title: "Robust new laws to fight corruption, money laundering and fraud", summary: "Robust laws to fight fraud, counter corruption and bolster legitimate business received Royal Assent today." },
  { line: 317, date: "2023-10-25", title: "30,000 hours of extra patrols help reduce antisocial behaviour", summary: "Targeted uniformed patrols in hotspot areas have helped drive down antisocial behaviour by over 30% in some areas, according to reports from policing." },
  { line: 407, date: "2023-10-24", title: "Details of the review into police use of force published", summary: "The review into police use of force and police driving investigations has commenced." },
  { line: 437, date: "2023-10-24", title: "Home Office to exit first 50 asylum hotels by the end of January", summary: "The first 50 hotels across the UK will stop housing asylum seekers by the end of January, as a result of a more than 20% drop in small boat crossings compared to last year, the Immigration Minister has confirmed today (24 October 2023)." },
  { line: 477, date: "2023-10-23", title: "Government, Katie Piper and industry meet to tackle acid attacks", summary: "The meeting brought together experts and stakeholders to consider what more could be done." },
  { line: 535, date: "2023-10-23", title: "Action plan to tackle shoplifting launched", summary: "The government brought together retailers and policing to set out measures to tackle the rise in shoplifting, catch more offenders and keep retail workers safe." },
];

function lists(body: readonly Block[]): string[][] {
  return body.flatMap((b) => (b.type === "list" ? [[...b.items]] : []));
}

describe("parseDump on the bundled sample", () => {
  it("yields exactly the 10 releases in order, with no warnings", () => {
    expect(releases.map((r) => r.release.title)).toEqual(EXPECTED.map((e) => e.title));
    expect(warnings).toEqual([]);
  });

  it.each(EXPECTED.map((e, i) => [i, e] as const))("release %i has every field right", (i, expected) => {
    const { release, line } = releases[i]!;
    expect(line).toBe(expected.line);
    expect(release.title).toBe(expected.title);
    expect(release.date).toBe(expected.date);
    expect(release.kind).toBe("press-release");
    expect(release.department).toBe("Home Office");
    expect(release.summary).toBe(expected.summary);
    expect(release.id).toBe(canonicalId("Home Office", expected.date, expected.title));
    expect(release.url).toBeUndefined();
    // The body holds every paragraph, the summary first; the header, repeated title and date line are not in it.
    expect(release.body[0]).toEqual({ type: "paragraph", text: expected.summary });
    const texts = release.body.flatMap((b) => (b.type === "paragraph" ? [b.text] : b.items));
    expect(texts.some((t) => t.includes("PRESS RELEASE") || t.startsWith("The press release issued by"))).toBe(false);
    for (const t of texts) expect(t).toBe(t.trim());
  });

  it("keeps the body text in order, down to the last paragraph", () => {
    const first = releases[0]!.release.body;
    expect(first).toHaveLength(27);
    expect(first.at(-1)).toEqual({ type: "paragraph", text: "Thank you." });
    const last = releases[9]!.release.body.at(-1);
    expect(last?.type === "paragraph" && last.text.endsWith("keep our Partners and customers safe.")).toBe(true);
  });

  it("reads the antisocial-behaviour release's bullet lines as three lists, not as releases", () => {
    const body = releases[5]!.release.body;
    const found = lists(body);
    expect(found.map((l) => l.length)).toEqual([4, 3, 4]);
    expect(found.flat()).toHaveLength(11);
    expect(found[0]![0]).toMatch(/^every police and crime commissioner in England and Wales/);
    expect(found[1]![2]).toMatch(/^work underway to bring forward legislation to repeal the outdated Vagrancy Act 1824/);
    expect(found[2]).toEqual(["35 arrests", "109 stop and searches", "58 informal warnings issued", "45 fixed penalty notices issued"]);
    // Each list sits right after the paragraph that introduces it.
    const before = body[body.findIndex((b) => b.type === "list") - 1];
    expect(before).toEqual({ type: "paragraph", text: "Other measures that have been delivered since the launch of the plan include:" });
  });

  it("has no lists in the other releases", () => {
    releases.forEach((r, i) => { if (i !== 5) expect(lists(r.release.body)).toEqual([]); });
  });

  it("uses options.department only where the date line names no organisation", () => {
    const again = parseDump(text, "x.txt", { department: "Cabinet Office" });
    expect(again.releases.every((r) => r.release.department === "Home Office")).toBe(true);
  });
});
