// A small line diff for the tour's "what changed" output: lines only in the old text get "-", lines only
// in the new text "+", with a line of context around each change and "…" for what is left out.

/** Longest-common-subsequence line diff; fine for notes of a few hundred lines. */
export function lineDiff(oldText: string, newText: string, context = 1): string[] {
  const a = oldText.split("\n");
  const b = newText.split("\n");
  // lcs[i][j]: length of the LCS of a[i..] and b[j..]
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: { kind: " " | "-" | "+"; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: " ", line: a[i]! });
      i++;
      j++;
    } else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ kind: "-", line: a[i++]! });
    } else {
      ops.push({ kind: "+", line: b[j++]! });
    }
  }
  const keep = ops.map((op, k) => ops.slice(Math.max(0, k - context), k + context + 1).some((o) => o.kind !== " "));
  const out: string[] = [];
  ops.forEach((op, k) => {
    if (keep[k]) out.push(`${op.kind} ${op.line}`);
    else if (k === 0 || keep[k - 1]) out.push("  …");
  });
  return out;
}
