import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { adminRouter, apiDocument } from '@devtrust/collector/admin/router';
import { keyAdminRouter } from '@devtrust/collector/oidc/key-admin';
import { verdictRouter } from '@devtrust/collector/verdict/routes';
import { openApiPath, requestSchema } from '@devtrust/collector/http/openapi';
import { renderApiReference } from '@devtrust/collector/http/openapi-markdown';
import { isOperation } from '@devtrust/collector/http/operation';
import { ROOT } from '../support/bin.js';
import { OWNER_TOKEN, startTestCollector, type TestCollector } from '../support/collector.js';

type Layer = { methods: string[]; path: string; stack: unknown[] };
type OperationObject = {
  operationId: string;
  parameters: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, any> }> };
  'x-devtrust-roles'?: string[];
};
type Document = { openapi: string; info: { version: string }; paths: Record<string, Record<string, OperationObject>> };

const REGENERATE = 'run `npm run openapi` and commit docs/openapi.json and docs/api-reference.md';

/**
 * The OpenAPI document: every route the collector mounts (read from the routers, as
 * test/e2e/authz-matrix.test.ts reads them) has an operation, the document served at
 * /admin/v1/openapi.json describes each with the schemas that validate it, and the copy in
 * docs/ is that document.
 */
describe('the OpenAPI document', () => {
  let c: TestCollector;
  let served: Document;
  let layers: Layer[];

  beforeAll(async () => {
    c = await startTestCollector({ scheduler: false });
    const response = await c.admin('GET', '/admin/v1/openapi.json');
    assert.equal(response.status, 200);
    served = response.body;
    layers = [
      ...adminRouter(c.services, c.channel).stack,
      ...keyAdminRouter(c.services, () => undefined).stack,
      ...verdictRouter(c.services).stack,
    ].filter((layer) => layer.methods.length > 0) as unknown as Layer[];
  });
  afterAll(() => c.stop());

  it('has an operation on every route, so every route is in the document', () => {
    assert.ok(layers.length > 40, `only ${layers.length} routes found: the routers were not enumerated`);
    const missing = layers.filter((layer) => !layer.stack.some(isOperation)).map((l) => `${l.methods.join(',')} ${l.path}`);
    assert.deepEqual(
      missing,
      [],
      `routes without an operation: ${missing.join('; ')}. Declare one with operation({summary, params?, query?, body?, responses}) ` +
        `from collector/src/http/operation.ts, put it in the route after its role guard, read the request with op.input(ctx), then ${REGENERATE}`,
    );
    assert.deepEqual(apiDocument(c.services, adminRouter(c.services, c.channel)).undocumented, []);
    for (const layer of layers) {
      for (const method of layer.methods.filter((m) => m !== 'HEAD')) {
        assert.ok(served.paths[openApiPath(layer.path)]?.[method.toLowerCase()], `${method} ${layer.path} is not in the served document`);
      }
    }
  });

  it('describes each request with the schemas that validate it', () => {
    for (const layer of layers) {
      const op = layer.stack.find(isOperation)!;
      for (const method of layer.methods.filter((m) => m !== 'HEAD')) {
        const entry = served.paths[openApiPath(layer.path)]![method.toLowerCase()]!;
        const where = `${method} ${layer.path}`;
        if (op.spec.body) assert.deepEqual(entry.requestBody?.content['application/json']?.schema, requestSchema(op.spec.body), where);
        else if (!op.spec.rawBody) assert.equal(entry.requestBody, undefined, `${where} documents a body it does not validate`);
        const query = entry.parameters.filter((p) => p.in === 'query').map((p) => p.name);
        assert.deepEqual(query, Object.keys((op.spec.query ? requestSchema(op.spec.query).properties : {}) ?? {}), where);
        const pathParams = entry.parameters.filter((p) => p.in === 'path').map((p) => p.name);
        assert.deepEqual(
          pathParams,
          [...layer.path.matchAll(/:(\w+)/g)].map((m) => m[1]),
          where,
        );
      }
    }
  });

  it('is what the server enforces: a body without a required field or with an unknown one is refused as documented', async () => {
    const checked: string[] = [];
    for (const [template, operations] of Object.entries(served.paths)) {
      for (const [method, entry] of Object.entries(operations)) {
        const schema = entry.requestBody?.content['application/json']?.schema;
        if (!schema || !template.startsWith('/admin/')) continue;
        const url = template.replace(/\{(\w+)\}/g, 'x-missing');
        const unknown = await c.admin(method.toUpperCase(), url, { notAField: true });
        if (schema.additionalProperties === false) {
          assert.equal(unknown.status, 400, `${method} ${template} with an unknown field: ${JSON.stringify(unknown.body)}`);
          // Zod reports missing fields before unknown ones.
          if (((schema.required ?? []) as string[]).length === 0) assert.equal(unknown.body.error.field, 'notAField');
        }
        for (const field of (schema.required ?? []) as string[]) {
          const refused = await c.admin(method.toUpperCase(), url, {});
          assert.equal(refused.status, 400, `${method} ${template} without ${field}`);
          assert.equal(refused.body.error.code, 'INVALID_REQUEST');
        }
        checked.push(`${method} ${template}`);
      }
    }
    assert.ok(checked.length >= 8, `only ${checked.length} JSON bodies checked`);

    // A query parameter the document does not list is refused, on every admin route that reads.
    for (const [template, operations] of Object.entries(served.paths)) {
      const entry = operations.get;
      if (!entry || !template.startsWith('/admin/')) continue;
      const url = `${template.replace(/\{(\w+)\}/g, 'x-missing')}?notAParameter=1`;
      const refused = await c.admin('GET', url);
      assert.equal(refused.status, 400, `GET ${url}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body.error.field, 'notAParameter', url);
    }
  });

  it('route handlers validate only through their operation, never beside it', () => {
    const files = [
      ...readdirSync(path.join(ROOT, 'collector/src/admin/routes')).map((f) => `collector/src/admin/routes/${f}`),
      'collector/src/verdict/routes.ts',
      'collector/src/oidc/key-admin.ts',
    ];
    const beside = files.flatMap((file) =>
      [
        ...readFileSync(path.join(ROOT, file), 'utf8').matchAll(
          /\b(?:jsonBody|queryOf|validate)\(|\.safeParse\(|(?<!Date|JSON)\.parse\(|ctx\.query\b|ctx\.request\.body\b/g,
        ),
      ].map((m) => `${file}: ${m[0]}`),
    );
    assert.deepEqual(
      beside,
      [],
      'a handler that validates its request itself is not in the OpenAPI document: give the schema to its operation() (params, query or body) and read op.input(ctx)',
    );
  });

  it('is a valid OpenAPI 3.1 document, with this release as its version', async () => {
    assert.equal(served.openapi, '3.1.0');
    const collectorPackage = JSON.parse(readFileSync(path.join(ROOT, 'collector/package.json'), 'utf8')) as { version: string };
    assert.equal(served.info.version, collectorPackage.version);
    const result = await new Validator().validate(served as unknown as Record<string, unknown>);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  });

  it('names every operation once', () => {
    const ids = Object.values(served.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    assert.equal(new Set(ids).size, ids.length, `duplicate operationIds: ${ids.filter((id, i) => ids.indexOf(id) !== i).join(', ')}`);
  });

  it('says who may call each admin route, as the guards decide', async () => {
    assert.deepEqual(served.paths['/admin/v1/api-keys']!.post!['x-devtrust-roles'], ['owner']);
    assert.deepEqual(served.paths['/admin/v1/policy']!.put!['x-devtrust-roles'], ['owner', 'admin']);
    assert.deepEqual(served.paths['/admin/v1/oidc/keys']!.get!['x-devtrust-roles'], ['owner', 'admin']);
    assert.equal(served.paths['/api/v1/transactions']!.post!['x-devtrust-roles'], undefined);
  });

  it('is served to any valid API key, and to nobody else', async () => {
    for (const role of ['admin', 'app-manager', 'read-only']) {
      const key = (await c.admin('POST', '/admin/v1/api-keys', { name: role, role })).body.key as string;
      const answer = await c.admin('GET', '/admin/v1/openapi.json', undefined, { token: key });
      assert.equal(answer.status, 200, role);
      assert.deepEqual(answer.body, served);
    }
    const anonymous = await fetch(`${c.url}/admin/v1/openapi.json`);
    assert.equal(anonymous.status, 401);
    const wrong = await fetch(`${c.url}/admin/v1/openapi.json`, { headers: { authorization: `Bearer ${OWNER_TOKEN}x` } });
    assert.equal(wrong.status, 401);
  });

  it('docs/openapi.json and docs/api-reference.md are the document this code serves', () => {
    const committed = JSON.parse(readFileSync(path.join(ROOT, 'docs/openapi.json'), 'utf8')) as unknown;
    assert.deepEqual(committed, served, `docs/openapi.json differs from what the collector serves: ${REGENERATE}`);
    const reference = readFileSync(path.join(ROOT, 'docs/api-reference.md'), 'utf8');
    assert.equal(reference, renderApiReference(served as never), `docs/api-reference.md is out of date: ${REGENERATE}`);
  });
});
