/** Values per `IN (…)` list: far below SQLite's (999 in old builds) and PostgreSQL's (65,535) bound-parameter limits. */
export const IN_LIST_CHUNK = 500;

/** `items` in parts of `size`, in order: one statement's `IN (…)` list each, or one INSERT's rows. */
export function chunks<T>(items: readonly T[], size: number = IN_LIST_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
