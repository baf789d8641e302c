/** Values per `IN (…)` list: far below SQLite's (999 in old builds) and PostgreSQL's (65,535) bound-parameter limits. */
export const IN_LIST_CHUNK = 500;

/** `items` in parts of `size`, in order: one statement's `IN (…)` list each, or one INSERT's rows. */
export function chunks<T>(items: readonly T[], size: number = IN_LIST_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Bound parameters per statement built of many parts (a united lookup, each member carrying its
 * own integration ids): well under SQLite's limit (32,766 since 3.32; the bundled build is 3.52)
 * and PostgreSQL's 65,535, which node-postgres does not check: past it the count sent wraps
 * (a protocol error, 08P01, not a refusal naming the limit).
 */
export const PARAMETERS_PER_STATEMENT = 10_000;

/**
 * `items` in runs of at most `most` items whose bound parameters (`cost` of each) add up to at
 * most `budget`, in order. An item costing more than the budget alone goes in a run of its own.
 */
export function chunksByParameters<T>(
  items: readonly T[],
  cost: (item: T) => number,
  most: number,
  budget: number = PARAMETERS_PER_STATEMENT,
): T[][] {
  const out: T[][] = [];
  let run: T[] = [];
  let used = 0;
  for (const item of items) {
    const c = cost(item);
    if (run.length > 0 && (run.length >= most || used + c > budget)) {
      out.push(run);
      run = [];
      used = 0;
    }
    run.push(item);
    used += c;
  }
  if (run.length > 0) out.push(run);
  return out;
}
