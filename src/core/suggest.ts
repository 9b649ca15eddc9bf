// "Did you mean …?": the known spelling nearest a word a person typed. Shared by every place that reads past
// or rejects a name (selection keys, configuration keys, NAD names), so that a typo is named the same way.

/**
 * Edits between a and b: insertions, deletions, substitutions and transpositions of two adjacent characters
 * (optimal string alignment), so `interfcae` is one edit from `interface`, as `interfce` is.
 */
export function editDistance(a: string, b: string): number {
  // rows[i][j]: edits between the first i characters of a and the first j of b
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The candidate nearest `word` (compared case-insensitively) when it is at most `maxEdits` edits away; the first
 * such candidate on a tie. Returned as the candidate spells it, so a message shows the right spelling.
 */
export function closest(word: string, candidates: Iterable<string>, maxEdits = 1): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = maxEdits + 1;
  for (const c of candidates) {
    // Lengths further apart than the best so far cannot be nearer: skip the table.
    const lc = c.toLowerCase();
    if (Math.abs(lc.length - w.length) >= bestDistance) continue;
    const d = editDistance(w, lc);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}
