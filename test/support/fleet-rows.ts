import type { Knex } from 'knex';

const DAY = 24 * 3_600_000;
const HOUR = 3_600_000;

/**
 * Endpoint rows straight into the schema (setup, as the bench's fleet builders do), seen `at`,
 * each with its own serial unless `more` gives one; ids `${prefix}${i}`, hostnames
 * `${prefix}host-${i}`.
 */
export async function insertEndpoints(
  knex: Knex,
  prefix: string,
  count: number,
  at: number,
  more: (i: number) => Record<string, unknown> = () => ({}),
): Promise<void> {
  const rows = Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    public_key: `${prefix}key-${i}`.padEnd(43, 'A'),
    enrolled_at: at - DAY + i,
    last_seen_at: at,
    last_seen_hour: at - (at % HOUR),
    last_seq: 1,
    reports_stored: 0,
    hostname: `${prefix}host-${i}`,
    serial_number: `${prefix}SERIAL${i}`.toUpperCase(),
    blocked: false,
    ...more(i),
  }));
  for (let i = 0; i < rows.length; i += 200) await knex('endpoints').insert(rows.slice(i, i + 200));
}

/** The statements `call` runs on this database. */
export async function statementsOf(knex: Knex, call: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (q: { sql: string }): void => void seen.push(q.sql);
  knex.on('query', listener);
  try {
    await call();
  } finally {
    knex.removeListener('query', listener);
  }
  return seen;
}
