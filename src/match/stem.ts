/**
 * Light English stemming, applied to folded words in both queries and texts, so the two always agree.
 *
 * Rules, in order (words of 3 letters or fewer, and words with digits, are left alone):
 * 1. plurals: `-ies` → `-y` (policies → policy), `-sses` → `-ss`, `-ches/-shes/-xes/-zes` drop `-es`,
 *    other `-s` drop it, except after `s`, `u`, `i` (business, status, crisis) and a few words (news, series);
 * 2. `-ied` → `-y`; `-ing` and `-ed` are dropped when a vowel remains (searching → search,
 *    policing → polic); a doubled final consonant is undoubled (stopped → stop, but called → call,
 *    staffed → staff); `-eed` stays but for the past of `-ee` verbs (speed, exceed; agreed → agre);
 * 3. a final `-e` is dropped (police → polic, house → hous), so -e words meet their -ing/-ed forms.
 */
const KEEP = new Set([
  "news", "series", "species", "always", "perhaps", "whereas", "across", "towards", "afterwards",
  "sometimes", "thus", "does", "goes", "during", "thing", "things", "nothing", "something", "anything",
  "everything", "morning", "evening", "bring", "being", "ceiling", "spring", "string",
]);

const VOWEL = /[aeiouy]/;

/**
 * Verbs ending in `-ee`, whose `-eed` is a past tense (agreed → agree). Every other word ending in
 * `-eed` is a base (speed, exceed, proceed, breed): it keeps its `-ed`, and so meets its own
 * inflections (speeding → speed, exceeded → exceed).
 */
const EE_VERBS = new Set(["agree", "disagree", "free", "decree", "guarantee", "referee", "oversee", "foresee", "degree", "flee"]);

export function stemWord(word: string): string {
  if (word.length <= 3 || KEEP.has(word) || /[0-9]/.test(word)) return word;
  let w = stripPlural(word);
  const suffixed = stripVerbSuffix(w);
  if (suffixed !== undefined) return suffixed;
  return dropFinalE(w);
}

function stripPlural(w: string): string {
  if (!w.endsWith("s")) return w;
  if (w.endsWith("ies")) return w.length > 4 ? `${w.slice(0, -3)}y` : w;
  if (w.endsWith("sses")) return w.slice(0, -2);
  if (/(?:ch|sh|x|z)es$/.test(w)) return w.slice(0, -2);
  if (/[sui]s$/.test(w)) return w;
  return w.slice(0, -1);
}

function stripVerbSuffix(w: string): string | undefined {
  if (w.endsWith("ied") && w.length > 4) return `${w.slice(0, -3)}y`;
  const ing = w.endsWith("ing");
  if (!ing && !w.endsWith("ed")) return undefined;
  if (!ing && w.endsWith("eed")) return EE_VERBS.has(w.slice(0, -1)) ? dropFinalE(w.slice(0, -1)) : undefined;
  const stem = w.slice(0, ing ? -3 : -2);
  if (stem.length < 3 || !VOWEL.test(stem)) return undefined;
  const last = stem[stem.length - 1];
  // English never doubles f, l, s or z to inflect (staffing → staff, calling → call).
  if (stem.length >= 4 && last === stem[stem.length - 2] && last !== undefined && !/[aeioulsfz]/.test(last)) {
    return stem.slice(0, -1);
  }
  // `agreeing` → `agree` → `agre`, like `agree` itself; after `-ed` the `e` is already gone (`agreed` → `agre`).
  return ing ? dropFinalE(stem) : stem;
}

function dropFinalE(w: string): string {
  return w.length >= 4 && w.endsWith("e") ? w.slice(0, -1) : w;
}
