import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sliceMonth } from "../../src/store/lowdb/month-slices.js";

/** What parsing the whole file gives: each release's id and value, in file order. */
const whole = (text: string) => Object.entries((JSON.parse(text) as { releases: Record<string, unknown> }).releases);
const slices = (text: string) => sliceMonth(Buffer.from(text, "utf8"));
const cut = (text: string) => [...(slices(text) ?? [])].map(([id, json]) => [id, JSON.parse(json)] as const);

// Strings full of what a scanner can trip on: quotes, backslashes, braces, brackets, unicode.
const nasty = fc.string({ unit: fc.constantFrom("\"", "\\", "{", "}", "[", "]", ",", ":", " ", "\n", "a", "é", "\u2028", "💥", "\u0000") , maxLength: 12 });
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: "small" }, nasty, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie("v"), { maxLength: 3 }), fc.dictionary(nasty, tie("v"), { maxKeys: 3 })),
})).v;
const release = fc.record({ title: nasty, body: fc.array(value, { maxLength: 3 }), extra: fc.dictionary(nasty, value, { maxKeys: 2 }) });
const id = fc.oneof(nasty, fc.constant("tag:gov.uk,2023-10-05:knife"));

describe("month files cut into releases without parsing them", () => {
  it("gives what parsing the whole file gives, for any releases and any spacing", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(id, release), { maxLength: 6 }), fc.constantFrom(undefined, 1, "\t"), (entries, space) => {
        const releases: Record<string, unknown> = {};
        for (const [k, v] of entries) if (!/^(?:0|[1-9]\d*)$/.test(k)) releases[k] = v;
        const text = JSON.stringify({ releases }, null, space);
        expect(cut(text)).toEqual(whole(text));
      }),
      { numRuns: 400 },
    );
  });

  it("keeps a repeated id's last value at its first place, as JSON.parse does", () => {
    const text = '{"releases":{"a":{"n":1},"b":{"n":2},"a":{"n":3}}}';
    expect(cut(text)).toEqual(whole(text));
    expect(cut(text)).toEqual([["a", { n: 3 }], ["b", { n: 2 }]]);
  });

  it("decodes each release as the whole file's text would decode it, invalid UTF-8 included", () => {
    const bytes = Buffer.concat([Buffer.from('{"releases":{"a":{"t":"caf'), Buffer.from([0xc3, 0xa9, 0xff, 0xe2, 0x80]), Buffer.from('"},"b":{"t":"’"}}}')]);
    const wholeText = bytes.toString("utf8");
    expect([...(sliceMonth(bytes) ?? [])].map(([k, json]) => [k, JSON.parse(json)])).toEqual(whole(wholeText));
  });

  it("reads ids written with escapes", () => {
    const text = '{"releases":{"tag:x\\u002c\\"q\\"":{"title":"a \\"}\\" b"}}}';
    expect(cut(text)).toEqual([['tag:x,"q"', { title: 'a "}" b' }]]);
  });

  it("leaves to the whole parse every file that is not exactly the frame", () => {
    for (const text of [
      "",
      "null",
      "[]",
      '{"releases":[]}',
      '{"releases":{}, "other": 1}',
      '{"other": 1, "releases":{}}',
      '{"releases":{"a": 5}}',
      '{"releases":{"a": [1]}}',
      '{"releases":{"7": {"n": 1}}}',
      '{"releases":{"a":{"n":1}}',
      '{"releases":{"a":{"n":"cut off',
      '{"releases":{"a":{"n":1}} x',
      '{"releases":{"a":{"n":1},}}',
      '{"releases":{"a":{"n":1}}}}',
      '{"releases":{a:{"n":1}}}',
      '{"releases":{"a\\x":{"n":1}}}',
    ]) expect([text, slices(text)]).toEqual([text, undefined]);
    expect(slices('{"releases":{}}')).toEqual(new Map());
    expect(slices(' \n{ "releases" : { } }\n')).toEqual(new Map());
  });
});
