import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { z } from 'zod';
import { firstUnstorableText } from '@devtrust/shared/identity';
import {
  activationSchema,
  createIntegrationSchema,
  patchIntegrationSchema,
  scheduleSchema,
} from '@devtrust/collector/admin/integration-input';
import { createKey } from '@devtrust/collector/admin/routes/api-keys';
import { createApplication, patchApplication } from '@devtrust/collector/admin/routes/applications';
import { authLogListQuery } from '@devtrust/collector/admin/routes/auth-log';
import { endpointListQuery } from '@devtrust/collector/admin/routes/endpoints';
import { syncBody, syncQuery, uploadQuery } from '@devtrust/collector/admin/routes/integrations';
import { putUser } from '@devtrust/collector/admin/routes/users';
import { applicationPolicySchema, globalPolicyPatchSchema } from '@devtrust/collector/domain/policy';
import { AppError } from '@devtrust/collector/errors';
import { parseJsonText } from '@devtrust/collector/http/body';
import { rotateKeys } from '@devtrust/collector/oidc/key-admin';
import { KINDS } from '@devtrust/collector/sync/registry';
import { validate } from '@devtrust/collector/validation';
import { createTransaction } from '@devtrust/collector/verdict/routes';
import { hostileKey, hostileString, hostileText, mutatedRecordText, RUNS } from './hostile.js';

/**
 * The validators of every admin API body and query (and the transaction API's), each fed
 * hostile JSON shaped like its valid input: a value, or a 400 with a stable code (never
 * another error, which the error handler would answer with a 500). What a validator lets
 * through holds no text a database cannot store, and no object with a foreign prototype.
 */

/** The schema an operation validates a JSON body with (http/operation.ts). */
const bodyOf = (op: { spec: { body?: unknown } }): z.ZodType<unknown> => op.spec.body as z.ZodType<unknown>;

const POLICY = { trustedEndpoints: 'require-trusted', blockCompromised: true, minOsVersion: { windows: '10.0.19045', macos: '14.4' } };
const BODIES: [string, z.ZodType<unknown>, unknown][] = [
  ['POST /api-keys', bodyOf(createKey), { name: 'ops', role: 'admin' }],
  ['POST /applications', bodyOf(createApplication), { name: 'Payroll', redirectUris: ['https://pay.example/cb'], policy: POLICY }],
  ['PATCH /applications/:id', bodyOf(patchApplication), { name: 'Payroll', redirectUris: ['http://localhost:8080/cb'], policy: POLICY }],
  ['PUT /policy', globalPolicyPatchSchema, { ...POLICY, edrUnknown: 'allow', requireDiskEncryption: true }],
  ['application policy', applicationPolicySchema, { ...POLICY, requireFirewall: null }],
  ['PUT /users/:username', bodyOf(putUser), { groups: ['Finance', 'Engineering'] }],
  [
    'POST /integrations',
    createIntegrationSchema,
    {
      kind: 'jamf-pro',
      name: 'Jamf',
      platforms: ['macos'],
      config: { baseUrl: 'https://x.jamfcloud.com' },
      schedule: { intervalMinutes: 60 },
    },
  ],
  ['PATCH /integrations/:id', patchIntegrationSchema, { name: 'Jamf', platforms: ['macos', 'ios'], schedule: null }],
  ['schedule', scheduleSchema, { enabled: true, intervalMinutes: 60, hourUtc: 3 }],
  ['POST /integrations/:id/activate', activationSchema, { mode: 'test-groups', groups: ['Pilot'] }],
  ['POST /integrations/:id/sync', syncBody, { allowEmpty: true }],
  ['POST /oidc/rotate-keys', bodyOf(rotateKeys), { immediate: true, withdrawPrevious: false }],
  ['POST /api/v1/transactions', bodyOf(createTransaction), { username: 'alice@example.com' }],
];
const QUERIES: [string, z.ZodType<unknown>, string[]][] = [
  [
    'GET /auth-log',
    authLogListQuery,
    ['since', 'until', 'user', 'applicationId', 'endpointId', 'verdict', 'reference', 'outcome', 'cursor', 'limit'],
  ],
  ['GET /endpoints', endpointListQuery, ['trusted', 'q', 'approval', 'sort', 'cursor', 'limit']],
  ['PUT /integrations/:id/inventory', uploadQuery, ['allowEmpty']],
  ['POST /integrations/:id/sync', syncQuery, ['allowEmpty']],
];

/** Objects as JSON.parse or a schema makes them: a prototype of Object (or none), never another. */
function assertPlainObjects(value: unknown): void {
  const pending = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== 'object' || current === null) continue;
    if (!Array.isArray(current)) {
      const proto = Object.getPrototypeOf(current) as unknown;
      assert.ok(proto === Object.prototype || proto === null, 'a validated object has a foreign prototype');
    }
    pending.push(...Object.values(current));
  }
}

/** `storable`: bodies only; NUL and lone surrogates in a query are refused before any route (http/app.ts). */
function outcome(run: () => unknown, storable = true): void {
  let value: unknown;
  try {
    value = run();
  } catch (error) {
    assert.ok(
      error instanceof AppError,
      `an untyped ${String((error as Error)?.name)}: ${String((error as Error)?.message).slice(0, 300)}`,
    );
    assert.equal(error.status, 400, error.message);
    assert.ok(['MALFORMED_JSON', 'INVALID_REQUEST'].includes(error.code), error.code);
    return;
  }
  if (storable) assert.equal(firstUnstorableText(value), null, 'a validated value holds NUL or a lone surrogate');
  assertPlainObjects(value);
}

describe('admin and transaction API validators against hostile input', () => {
  for (const [route, schema, sample] of BODIES) {
    it(`${route}: ${RUNS} bodies`, () => {
      fc.assert(
        fc.property(fc.oneof({ weight: 4, arbitrary: mutatedRecordText(sample) }, { weight: 1, arbitrary: hostileString }), (text) =>
          outcome(() => parseJsonText(text, schema)),
        ),
        { numRuns: RUNS },
      );
    });
  }
  for (const kind of KINDS) {
    it(`an integration's config, ${kind.kind}: ${RUNS} configs`, () => {
      const text = fc.oneof({ weight: 4, arbitrary: mutatedRecordText({}) }, { weight: 1, arbitrary: hostileString });
      fc.assert(
        fc.property(text, (t) => outcome(() => parseJsonText(t, kind.configSchema as z.ZodType<unknown>))),
        { numRuns: RUNS },
      );
    });
  }
  for (const [route, schema, names] of QUERIES) {
    it(`${route}: ${RUNS} query strings`, () => {
      // What Koa's ctx.query gives: each parameter a string, or an array when repeated.
      const parameter = fc.oneof(hostileText, fc.array(hostileText, { minLength: 2, maxLength: 3 }));
      const query = fc.dictionary(fc.oneof(fc.constantFrom(...names), hostileKey), parameter, { maxKeys: 4 });
      fc.assert(
        fc.property(query, (q) => outcome(() => validate(schema, { ...q }), false)),
        { numRuns: RUNS },
      );
    });
  }
});
