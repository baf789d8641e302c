import type { Knex } from 'knex';

// Frozen: a migration never changes once released and never imports application code.
//
// The index of endpoints.approval_claims (JSON: [{kind, value, heldBy: [endpoint ids]}]): one
// row per endpoint and holder its claims name. A release found the endpoints waiting on the
// released one by reading every pending endpoint's claims (LIKE): with 10,000 pending after a
// fleet-wide re-enrollment, a bulk release managed a few hundred pairs per call
// (docs/performance.md). holder_id has no foreign key: a forgotten holder's id stays in the
// claims that name it, and so stays here.

/** Endpoints read per statement while filling the index. */
const ENDPOINTS_PER_BATCH = 1_000;
/** Rows per INSERT: two parameters each, well under SQLite's and PostgreSQL's limits. */
const ROWS_PER_INSERT = 400;

/** The endpoint ids a stored claims text names as holders, each once; none for text that is not a list of claims. */
function holdersIn(text: unknown): string[] {
  if (typeof text !== 'string' || text === '') return [];
  let claims: unknown;
  try {
    claims = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(claims)) return [];
  const holders = new Set<string>();
  for (const claim of claims) {
    const heldBy = (claim as { heldBy?: unknown } | null)?.heldBy;
    // Endpoint ids fit endpoints.id (64 characters) and hold no NUL (PostgreSQL text cannot, and
    // the upgrade would fail on it): anything else names no endpoint.
    if (Array.isArray(heldBy))
      for (const id of heldBy) if (typeof id === 'string' && id.length <= 64 && !id.includes('\u0000')) holders.add(id);
  }
  return [...holders];
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('approval_claim_holders', (t) => {
    t.string('endpoint_id', 64).notNullable().references('endpoints.id').onDelete('CASCADE');
    t.string('holder_id', 64).notNullable();
    // Leads with endpoint_id: the cascade and the rewrite of one endpoint's rows use it.
    t.primary(['endpoint_id', 'holder_id']);
    t.index(['holder_id', 'endpoint_id'], 'approval_claim_holders_holder');
  });
  // Every endpoint's stored claims, in id order, a batch at a time (parsed here: JSON
  // functions differ between SQLite and PostgreSQL, and old rows may hold anything).
  let after = '';
  for (;;) {
    const rows = (await knex('endpoints')
      .whereNotNull('approval_claims')
      .andWhere('id', '>', after)
      .orderBy('id')
      .limit(ENDPOINTS_PER_BATCH)
      .select('id', 'approval_claims')) as { id: string; approval_claims: string | null }[];
    const last = rows[rows.length - 1];
    if (!last) break;
    const index = rows.flatMap((row) => holdersIn(row.approval_claims).map((holder_id) => ({ endpoint_id: row.id, holder_id })));
    for (let i = 0; i < index.length; i += ROWS_PER_INSERT)
      await knex('approval_claim_holders').insert(index.slice(i, i + ROWS_PER_INSERT));
    after = last.id;
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('approval_claim_holders');
}
