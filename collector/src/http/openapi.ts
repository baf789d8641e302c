import type { Router } from '@koa/router';
import { z } from 'zod';
import { ROLES } from '../domain/api-key.js';
import type { RoleGuard } from './auth.js';
import { isOperation, type Operation } from './operation.js';

/** How the callers of a router authenticate (components.securitySchemes below). */
export type Security = 'apiKey' | 'application';

/** A router whose routes the document describes. */
export interface DocumentedRouter {
  router: Router;
  security: Security;
  /** The OpenAPI tag of a route, from its path (e.g. the resource after /admin/v1). */
  tag(path: string): string;
}

type JsonSchema = Record<string, unknown>;
type Layer = { methods: string[]; path: string | RegExp; stack: unknown[]; paramNames: { name: string }[] };

/**
 * The request side of a schema as JSON Schema draft 2020-12, which OpenAPI 3.1 uses as is.
 * Refinements (display-text checks, URL rules) cannot be written in JSON Schema: they are
 * left out, and the 400 names them when they fail.
 */
export function requestSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** `/admin/v1/users/:username` → `/admin/v1/users/{username}`. */
export const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

/** A route the routers declare without an operation: the document cannot describe it. */
export interface UndocumentedRoute {
  method: string;
  path: string;
}

export interface ApiDocument {
  document: Record<string, unknown>;
  undocumented: UndocumentedRoute[];
}

function routeLayers(router: Router): Layer[] {
  return (router.stack as unknown as Layer[]).filter((layer) => layer.methods.length > 0 && typeof layer.path === 'string');
}

function parameters(layer: Layer, op: Operation<unknown, unknown, unknown>): JsonSchema[] {
  const out: JsonSchema[] = [];
  const declared = op.spec.params ? requestSchema(op.spec.params) : null;
  const pathProps = (declared?.properties ?? {}) as Record<string, JsonSchema>;
  for (const { name } of layer.paramNames) {
    out.push({ name, in: 'path', required: true, schema: pathProps[name] ?? { type: 'string' } });
  }
  if (op.spec.query) {
    const query = requestSchema(op.spec.query);
    const required = new Set((query.required ?? []) as string[]);
    for (const [name, schema] of Object.entries((query.properties ?? {}) as Record<string, JsonSchema>)) {
      const { description, ...rest } = schema;
      out.push({ name, in: 'query', required: required.has(name), ...(description ? { description } : {}), schema: rest });
    }
  }
  return out;
}

function requestBody(op: Operation<unknown, unknown, unknown>): JsonSchema | null {
  const { body, rawBody, bodyOptional } = op.spec;
  if (body) return { required: bodyOptional !== true, content: { 'application/json': { schema: requestSchema(body) } } };
  if (rawBody)
    return { required: true, description: rawBody.description, content: { [rawBody.contentType]: { schema: { type: 'string' } } } };
  return null;
}

/** The answer side of a schema (what the handler sends), as JSON Schema draft 2020-12. */
export function responseSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function responses(op: Operation<unknown, unknown, unknown>): JsonSchema {
  const out: JsonSchema = {};
  for (const [status, answer] of Object.entries(op.spec.responses)) {
    if (typeof answer !== 'string' && 'schema' in answer) {
      out[status] = { description: answer.description, content: { 'application/json': { schema: responseSchema(answer.schema) } } };
      continue;
    }
    const { description, contentType } = typeof answer === 'string' ? { description: answer, contentType: 'application/json' } : answer;
    const schema = contentType === 'application/json' ? { type: 'object' } : { type: 'string', contentMediaType: contentType };
    out[status] = status === '204' ? { description } : { description, content: { [contentType]: { schema } } };
  }
  out.default = { $ref: '#/components/responses/Error' };
  return out;
}

/** The roles a route's guard lets through for this method, when the route has a guard. */
function roles(layer: Layer, method: string): string[] | null {
  const guard = layer.stack.find(
    (fn): fn is RoleGuard => typeof fn === 'function' && typeof (fn as Partial<RoleGuard>).permits === 'function',
  );
  return guard ? ROLES.filter((role) => guard.permits(role, method)) : null;
}

const operationId = (method: string, path: string): string =>
  [method.toLowerCase(), ...path.split('/').filter((part) => part !== '' && part !== 'admin' && part !== 'api' && part !== 'v1')]
    .map((part) => part.replace(/^:/, 'by-'))
    .join('-')
    .replace(/[^A-Za-z0-9]+(.)/g, (_m, ch: string) => ch.toUpperCase());

/**
 * The OpenAPI 3.1 document of the admin and transaction APIs, read from the routers the
 * collector mounts: each route's operation gives its parameters, body and answers, its role
 * guard who may call it. Routes without an operation are listed in `undocumented` (the
 * coverage test in test/docs/openapi.test.ts fails on them).
 */
export function openApiDocument(routers: DocumentedRouter[], version: string): ApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  const undocumented: UndocumentedRoute[] = [];
  for (const { router, security, tag } of routers) {
    for (const layer of routeLayers(router)) {
      const path = layer.path as string;
      const op = layer.stack.find(isOperation);
      for (const method of layer.methods.filter((m) => m !== 'HEAD')) {
        if (!op) {
          undocumented.push({ method, path });
          continue;
        }
        const allowed = roles(layer, method);
        const body = requestBody(op);
        const entry = (paths[openApiPath(path)] ??= {});
        entry[method.toLowerCase()] = {
          operationId: operationId(method, path),
          tags: [tag(path)],
          summary: op.spec.summary,
          ...(op.spec.description || allowed
            ? { description: [op.spec.description, allowed ? `Roles: ${allowed.join(', ')}.` : null].filter(Boolean).join('\n\n') }
            : {}),
          security: [{ [security]: [] }],
          ...(allowed ? { 'x-devtrust-roles': allowed } : {}),
          parameters: parameters(layer, op),
          ...(body ? { requestBody: body } : {}),
          responses: responses(op),
        };
      }
    }
  }
  return {
    undocumented,
    document: {
      openapi: '3.1.0',
      info: {
        title: 'DevTrust collector API',
        version,
        description:
          'The admin API (under /admin/v1, an API key as a Bearer token) and the transaction API (under /api/v1, ' +
          "an application's client credentials as HTTP Basic). Generated from the schemas that validate each request.",
      },
      tags: [...new Set(Object.values(paths).flatMap((ops) => Object.values(ops).flatMap((o) => (o as { tags: string[] }).tags)))].map(
        (name) => ({ name }),
      ),
      paths,
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An admin API key (dtk_…); its role decides what it may do.' },
          application: { type: 'http', scheme: 'basic', description: "An application's clientId:clientSecret." },
        },
        schemas: {
          Error: {
            type: 'object',
            required: ['error'],
            properties: {
              error: {
                type: 'object',
                required: ['code', 'message'],
                properties: {
                  code: { type: 'string', description: 'stable, e.g. INVALID_REQUEST, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND' },
                  message: { type: 'string' },
                  field: { type: 'string', description: 'the request field at fault, when one is' },
                },
              },
            },
          },
        },
        responses: {
          Error: {
            description: 'An error: 4xx for what the request got wrong, 5xx for what went wrong here.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
    },
  };
}
