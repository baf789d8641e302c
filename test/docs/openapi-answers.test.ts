import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { z } from 'zod';
import { openApiDocument } from '@devtrust/collector/http/openapi';
import { operation } from '@devtrust/collector/http/operation';
import { createdTransaction, transactionState } from '@devtrust/collector/verdict/answers';
import { exactRouter } from '@devtrust/collector/http/routing';

/**
 * A route may describe its answer by a schema (http/operation.ts): the document then carries
 * that schema, which client generators read. The transaction API's answers were `{"type":
 * "object"}` only, so a generated client knew none of their fields.
 */
describe('answers described by a schema in the OpenAPI document', () => {
  it('a route with a response schema gets it in the document; one described in words stays an object', () => {
    const router = exactRouter({ prefix: '/api/v1' });
    const answered = operation({
      summary: 'answered',
      responses: { 200: { description: 'the thing', schema: z.strictObject({ at: z.iso.datetime(), n: z.number() }) } },
    });
    const worded = operation({ summary: 'worded', responses: { 200: '{n}' } });
    router.get('/answered', answered, (ctx) => (ctx.body = {}));
    router.get('/worded', worded, (ctx) => (ctx.body = {}));
    const { document } = openApiDocument([{ router, security: 'application', tag: () => 'things' }], 'test');
    const paths = document.paths as Record<string, Record<string, { responses: Record<string, any> }>>;
    const schema = paths['/api/v1/answered']?.get?.responses['200'].content['application/json'].schema;
    assert.deepEqual(schema.required, ['at', 'n']);
    assert.deepEqual(schema.properties.at.format, 'date-time');
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(paths['/api/v1/worded']?.get?.responses['200'].content['application/json'].schema, { type: 'object' });
  });

  it("the transaction API's answers: {id, expiresAt}, and a transaction undecided or decided, times as date-time", () => {
    const created = z.toJSONSchema(createdTransaction) as any;
    assert.deepEqual(created.required, ['id', 'expiresAt']);
    const state = z.toJSONSchema(transactionState) as any;
    const [undecided, decided] = state.anyOf;
    assert.deepEqual(undecided.required, ['id', 'state', 'endpointId', 'expiresAt']);
    assert.deepEqual(decided.required, [
      'id',
      'state',
      'verdict',
      'access',
      'reasons',
      'reference',
      'assurance',
      'endpointId',
      'expiresAt',
      'decidedAt',
    ]);
    assert.equal(decided.properties.decidedAt.format, 'date-time');
  });
});
