/**
 * A statement's bound LIMITs written into its text instead, for SQLite.
 *
 * SQLite's planner reads the value bound to a LIMIT, so binding that parameter marks the
 * prepared statement expired, and SQLite parses and plans it again at its next step. Every
 * read a decision makes ends in knex's `limit ?` (`.first()`, `.limit(n)`): each was prepared
 * anew on every call, about a quarter of the CPU node-sqlite3's threads spent on a decision
 * (`perf` and gdb on a collector at 400 decisions a second, docs/performance.md "Seventh pass").
 */

/** The text with each bound LIMIT written in, and which bindings those were (index → value). */
export interface InlinedLimits {
  sql: string;
  limits: ReadonlyMap<number, number>;
}

/**
 * Writes in every `limit ?` whose binding is a non-negative safe integer; null when the
 * statement has none. Placeholders are counted as SQLite reads them: not inside quoted text
 * ('…', "…", `…`, […]) nor comments (from -- to the line's end, between slash-star and star-slash). A statement with a
 * numbered or named placeholder (?1, :name, @name, $name) is left as it is: SQLite numbers
 * those its own way, and pairing a LIMIT with the wrong binding would answer other rows.
 */
export function inlineLimits(sql: string, bindings: readonly unknown[]): InlinedLimits | null {
  const limits = new Map<number, number>();
  let out = '';
  // The statement without its comments (each one a blank): what says whether a `?` follows LIMIT.
  let code = '';
  let index = 0;
  // What ends the quoted text or comment the scanner is in (null: in the statement itself).
  let until: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const char = sql[i] as string;
    const next = sql[i + 1] ?? '';
    if (until !== null) {
      // A doubled quote inside quoted text is the quote itself: it closes and opens again.
      if (sql.startsWith(until, i)) {
        out += until;
        code += until === '\n' || until === '*/' ? ' ' : until;
        i += until.length - 1;
        until = null;
        continue;
      }
      if (until === '\n' || until === '*/') {
        out += char;
        continue;
      }
    } else if (char === "'" || char === '"' || char === '`') until = char;
    else if (char === '[') until = ']';
    else if ((char === '-' && next === '-') || (char === '/' && next === '*')) {
      until = char === '-' ? '\n' : '*/';
      out += char + next;
      i++;
      continue;
    } else if (
      (char === '?' && /\d/.test(next)) ||
      ((char === ':' || char === '@' || char === '$') && /[A-Za-z_]/.test(next) && !/[\w$]/.test(sql[i - 1] ?? ''))
    )
      return null;
    else if (char === '?') {
      const value = bindings[index];
      if (/\blimit\s+$/i.test(code) && typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
        limits.set(index, value);
        out += String(value);
        code += String(value);
        index++;
        continue;
      }
      index++;
    }
    out += char;
    code += char;
  }
  return limits.size > 0 ? { sql: out, limits } : null;
}

/** The bindings left once the inlined ones are taken out; null when a caller's LIMIT is not the one written in. */
export function remainingBindings(bindings: readonly unknown[], limits: ReadonlyMap<number, number>): unknown[] | null {
  const rest: unknown[] = [];
  for (const [i, value] of bindings.entries()) {
    const written = limits.get(i);
    if (written === undefined) rest.push(value);
    else if (written !== value) return null;
  }
  return rest;
}
