/** One piece of a diff: kept, removed or added text. */
export interface DiffPart {
  readonly op: "same" | "del" | "ins";
  readonly text: string;
}

/** Longest-common-subsequence diff of two token lists (O(n·m); inputs are capped by the caller). */
function lcsDiff(a: readonly string[], b: readonly string[]): { op: DiffPart["op"]; token: string }[] {
  const n = a.length;
  const m = b.length;
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
  }
  const out: { op: DiffPart["op"]; token: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: "same", token: a[i]! });
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) out.push({ op: "del", token: a[i++]! });
    else out.push({ op: "ins", token: b[j++]! });
  }
  while (i < n) out.push({ op: "del", token: a[i++]! });
  while (j < m) out.push({ op: "ins", token: b[j++]! });
  return out;
}

/** Tokens keep their trailing spaces, so joining them gives the text back. */
const words = (text: string) => text.match(/\S+\s*|\s+/g) ?? [];

/** Largest token product diffed word by word; longer texts are shown as removed then added whole. */
const MAX_CELLS = 4_000_000;

/** A word-level diff of two texts, adjacent parts of one kind merged. */
export function diffWords(before: string, after: string): DiffPart[] {
  const a = words(before);
  const b = words(after);
  const raw = a.length * b.length > MAX_CELLS
    ? [...(before ? [{ op: "del" as const, token: before }] : []), ...(after ? [{ op: "ins" as const, token: after }] : [])]
    : lcsDiff(a, b);
  const parts: DiffPart[] = [];
  for (const { op, token } of raw) {
    const last = parts[parts.length - 1];
    if (last && last.op === op) parts[parts.length - 1] = { op, text: last.text + token };
    else parts.push({ op, text: token });
  }
  return parts;
}

/** A line-level diff (paragraphs), then each changed pair of lines word by word. */
export function diffLines(before: readonly string[], after: readonly string[]): ({ op: "same" | "del" | "ins"; text: string } | { op: "change"; parts: DiffPart[] })[] {
  const lines = before.length * after.length > MAX_CELLS ? [...before.map((t) => ({ op: "del" as const, token: t })), ...after.map((t) => ({ op: "ins" as const, token: t }))] : lcsDiff(before, after);
  const out: ({ op: "same" | "del" | "ins"; text: string } | { op: "change"; parts: DiffPart[] })[] = [];
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    const next = lines[k + 1];
    if (line.op === "del" && next?.op === "ins") {
      out.push({ op: "change", parts: diffWords(line.token, next.token) });
      k++;
    } else out.push({ op: line.op, text: line.token });
  }
  return out;
}
