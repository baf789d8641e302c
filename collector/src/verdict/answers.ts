import { z } from 'zod';

/**
 * What the transaction API answers, as the OpenAPI document gives it to client generators
 * (docs/transaction-api.md says the same in words). The handlers in routes.ts build these
 * objects; test/e2e/transaction-api-steps.test.ts parses real answers with these schemas, so
 * the document cannot promise a field the collector does not send.
 */

/** Times in this API are ISO 8601 strings in UTC, unlike the admin API's milliseconds. */
const isoTime = (what: string) => z.iso.datetime().describe(`${what}: an ISO 8601 time in UTC`);

export const createdTransaction = z.strictObject({
  id: z.string().describe('the transaction id (tx_…): the devtrust://attest?tx= parameter and the path of GET /api/v1/transactions/{id}'),
  expiresAt: isoTime('when the transaction expires, 5 minutes after it was opened'),
});

/** Not attested yet (pending), or expired without an attestation: no verdict. */
const undecided = z.strictObject({
  id: z.string(),
  state: z.enum(['pending', 'expired']).describe('pending: no agent attested it yet; expired: expiresAt passed without an attestation'),
  endpointId: z.null(),
  expiresAt: isoTime('when it expires (or expired)'),
});

/** Attested and decided: the verdict, in the order the handler writes the fields. */
export const decidedTransaction = z.strictObject({
  id: z.string(),
  state: z.literal('decided'),
  verdict: z.enum(['trusted', 'untrusted']),
  access: z.enum(['allow', 'deny']).describe('what the application should do'),
  reasons: z
    .array(z.string())
    .describe("as the application's reasonDetail allows: by default one short reason (and a fixed reason the user can act on)"),
  reference: z.string().describe('the transaction id again: admins find every reason under it in the auth log'),
  assurance: z.enum(['mdm_asserted', 'identifiers']).nullable().describe('how a trusted device was identified; null when untrusted'),
  endpointId: z.string().describe('the endpoint whose agent attested it'),
  expiresAt: isoTime('when it expires; a decided transaction stays decided after it'),
  decidedAt: isoTime('when it was decided'),
});

export const transactionState = z.union([undecided, decidedTransaction]);
