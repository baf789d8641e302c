/**
 * What devtrustctl says for command words it does not know: the word it could not read, and the
 * known command a typo most likely meant ("endpoint shwo" → "endpoint show"), so the admin fixes
 * the word instead of reading the whole --help.
 */

/**
 * Edits between two words (insert, delete, replace, or swap two neighbours: "shwo" is one edit
 * from "show"), as in optimal string alignment.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      row[j] = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  return (d[a.length] as number[])[b.length] as number;
}

/** Close enough to be the word meant: one edit for a short word, two for a longer one, never most of it. */
const close = (typed: string, known: string): boolean => editDistance(typed, known) <= (Math.min(typed.length, known.length) <= 3 ? 1 : 2);

/** The closest of `known` to `typed`, when one is close; the first of equals (the order --help lists them). */
function closest(typed: string, known: readonly string[]): string | null {
  let best: string | null = null;
  for (const word of known) if (close(typed, word) && (best === null || editDistance(typed, word) < editDistance(typed, best))) best = word;
  return best;
}

/**
 * The one line for command words no command has (`words`: the positionals), naming the word that
 * is wrong and suggesting the closest command when one is close.
 */
export function unknownCommandMessage(words: string[], names: readonly string[]): string {
  const [first = '', second] = words;
  const family = names.filter((n) => n.startsWith(`${first} `));
  if (family.length > 0) {
    if (second === undefined) return `"${first}" needs a command after it (see devtrustctl ${first} --help)`;
    const meant = closest(
      second,
      family.map((n) => n.slice(first.length + 1)),
    );
    const hint = meant === null ? '' : `; did you mean "${first} ${meant}"?`;
    return `unknown command "${second}" for "${first}"${hint} (see devtrustctl ${first} --help)`;
  }
  // The first word is wrong: compare it with each command's first word, then take the command
  // that also has the next word typed, if there is one ("endpiont show" → "endpoint show").
  const meantFirst = closest(first, [...new Set(names.map((n) => n.split(' ')[0] as string))]);
  let meant: string | null = null;
  if (meantFirst !== null) {
    const of = names.filter((n) => n === meantFirst || n.startsWith(`${meantFirst} `));
    const withSecond =
      second === undefined
        ? null
        : closest(
            second,
            of.map((n) => n.split(' ')[1] ?? '').filter((w) => w !== ''),
          );
    meant = withSecond !== null ? `${meantFirst} ${withSecond}` : of.includes(meantFirst) ? meantFirst : null;
    if (meant === null) meant = meantFirst;
  }
  return `unknown command "${first}"${meant === null ? '' : `; did you mean "${meant}"?`} (see devtrustctl --help)`;
}
