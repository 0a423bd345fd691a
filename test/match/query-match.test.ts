import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileQuery } from "../../src/match/index.js";
import { makeRelease } from "./make-release.js";

describe("query matching over text", () => {
  it.each([
    // words, case, whole words
    ["asylum", "Home Office to exit asylum hotels", true],
    ["ASYLUM", "home office to exit asylum hotels", true],
    ["ai", "They said recently that they have begun", false],
    ["ai", "AI-generated child sexual abuse imagery", true],
    ["ai", "Generative AI poses a particular risk.", true],
    ["ai", "the AI's role", true],
    ["hotel", "hotelier industry", false],
    // facial recognition, every form
    ["facial-recognition", "AI enabled facial recognition searches", true],
    ["facial-recognition", "facial-recognition searches", true],
    ["\u201Cfacial recognition\u201D", "facial-recognition searches", true],
    ["\u201Cfacial recognition\u201D", "AI enabled facial recognition searches", true],
    ['"facial recognition"', "Facial Recognition", true],
    ['"facial recognition"', "recognition of facial features", false],
    ["facial recognition", "recognition of facial features", true],
    ['"facial recognition"', "facial. Recognition", true],
    // plurals and light stemming
    ["searches", "double facial recognition search", true],
    ["search", "Police urged to double searches", true],
    ["policing", "the police said", true],
    ["police", "Policing Minister", true],
    ["policy", "new policies", true],
    ["hotels", "one hotel", true],
    ["speech", "two speeches", true],
    ['"asylum hotels"', "the asylum hotel in Kent", true],
    // accents
    ["café", "a cafe in Dover", true],
    ["cafe", "a café in Dover", true],
    ["naïve", "NAIVE approach", true],
    // AND, implicit AND
    ["asylum AND hotels", "asylum hotels", true],
    ["asylum AND hotels", "asylum seekers", false],
    ["asylum hotels", "hotels for asylum seekers", true],
    ["asylum hotels", "asylum seekers", false],
    // OR and its precedence below AND
    ["asylum OR shoplifting", "tackle shoplifting", true],
    ["asylum OR shoplifting", "tackle fraud", false],
    ["fraud OR asylum hotels", "fraud", true],
    ["fraud OR asylum hotels", "asylum", false],
    ["fraud OR asylum hotels", "asylum hotels", true],
    ["asylum hotels OR fraud", "hotels fraud", true],
    ["(fraud OR asylum) hotels", "fraud", false],
    ["(fraud OR asylum) hotels", "fraud hotels", true],
    // lowercase and/or/not are words
    ["fraud or asylum", "fraud", false],
    ["fraud or asylum", "fraud or asylum", true],
    // NOT and -
    ["police NOT fraud", "police and fraud", false],
    ["police NOT fraud", "police and patrols", true],
    ["police -fraud", "police and fraud", false],
    ["police -fraud", "police patrols", true],
    ["NOT fraud", "police patrols", true],
    ["-fraud", "fraud", false],
    ['police -"money laundering"', "police money laundering", false],
    ['police -"money laundering"', "police laundering money", true],
    ["police -(fraud OR corruption)", "police corruption", false],
    ["police -(fraud OR corruption)", "police patrols", true],
    ["NOT NOT fraud", "fraud", true],
    ["NOT fraud OR police", "fraud police", true],
    ["NOT fraud OR police", "fraud", false],
    // nested parentheses
    ["((a1 OR b1) (c1 OR d1)) -e1", "b1 d1", true],
    ["((a1 OR b1) (c1 OR d1)) -e1", "b1 d1 e1", false],
    ["((a1 OR b1) (c1 OR d1)) -e1", "a1", false],
    // punctuation in words and numbers
    ["30,000", "30,000 hours of extra patrols", true],
    // numbers with thousands separators meet their plain form, both ways
    ["30000", "30,000 hours", true],
    ["30,000", "30000 hours", true],
    ["1,234,567", "1234567 visas", true],
    ["1234567", "1,234,567 visas", true],
    ['"30,000 hours"', "30000 hours", true],
    ["£5,000m", "£5000m budget", true],
    ["5,000", "5,000,000 pounds", false],
    ["30000", "30,00 hours", false],
    ["1,2", "1,2 items", true],
    ["12", "1,2 items", false],
    ["12345", "1,2345 items", false],
    ["1234", "1,234.5 tonnes", true],
    ["1,000", "1,000, 2,000 and 3,000", true],
    ["covid-19", "COVID 19 rules", true],
    ["crime & policing", "crime and policing", true],
    ["Secretary's", "Home Secretary’s speech", true],
    ["secretary", "Home Secretary’s speech", true],
  ])("%s on %j → %s", (query, text, expected) => {
    expect(compileQuery(query).matches(makeRelease({ body: [text] }))).toBe(expected);
  });
});

describe("field scopes", () => {
  const release = makeRelease({
    title: "Police urged to double AI-enabled facial recognition searches",
    summary: "Policing Minister writes to forces.",
    body: ["Asylum hotels will close.", ["first item about fraud", "second item"]],
    kind: "news-story",
  });

  it.each([
    ["title:police", true],
    ["title:asylum", false],
    ["body:asylum", true],
    ["summary:minister", true],
    ["summary:asylum", false],
    ['title:"facial recognition"', true],
    ["title:facial-recognition", true],
    ['body:"facial recognition"', false],
    ["title:(asylum OR searches)", true],
    ["title:(asylum OR fraud)", false],
    ["Title:POLICE", true],
    ["kind:news-story", true],
    ['kind:"news story"', true],
    ["kind:news", false],
    ["kind:speech", false],
    ["kind:(speech OR news-story)", true],
    ["-kind:speech police", true],
    ["body:fraud", true],
    // phrases never span two segments (paragraph / list item / field)
    ['"close first"', false],
    ['"fraud second"', false],
    ['"searches policing"', false],
    // unscoped words search title, summary and body, not kind
    ["story", false],
    ["minister fraud searches", true],
  ])("%s → %s", (query, expected) => {
    expect(compileQuery(query).matches(release)).toBe(expected);
  });
});

describe("numbers with thousands separators (property)", () => {
  it("a number written with separators and its plain form match each other, both ways", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), fc.constantFrom(" ", " £", " (", " about "), (n, before) => {
        const grouped = n.toLocaleString("en-GB");
        const plain = String(n);
        for (const [query, text] of [[grouped, plain], [plain, grouped], [grouped, grouped], [plain, plain]] as const) {
          expect(compileQuery(query).matches(makeRelease({ body: [`In 2023${before}${text} people, said officials.`] }))).toBe(true);
        }
        // A different number never matches.
        expect(compileQuery((n + 1).toLocaleString("en-GB")).matches(makeRelease({ body: [`${before}${grouped} people`] }))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
