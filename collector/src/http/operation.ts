import type { Context, Next } from 'koa';
import { z } from 'zod';
import { LIMITS } from '@devtrust/shared/protocol';
import { jsonBody, queryOf, validate } from './body.js';

/** A request body that is not JSON (a CSV upload): the handler reads it; the operation describes it. */
export interface RawBody {
  contentType: string;
  description: string;
}

/**
 * What one route takes and answers. The same zod schemas validate the request (in the
 * operation's middleware, before the handler runs) and make the route's entry in the
 * OpenAPI document (http/openapi.ts), so the two cannot drift.
 */
export interface OperationSpec<P, Q, B> {
  /** One line, as the document and docs/admin-api.md title it. */
  summary: string;
  description?: string;
  /** Path parameters that are validated; any other `:name` in the path is documented as a string. */
  params?: z.ZodType<P>;
  /** Query parameters; a route without this refuses any query parameter. */
  query?: z.ZodType<Q>;
  /** A JSON body, read as application/json up to `LIMITS.maxHttpBodyBytes`. */
  body?: z.ZodType<B>;
  /** The JSON body may be left out entirely: an empty request is validated as `{}`. */
  bodyOptional?: boolean;
  /** A body in another media type, read by the handler itself. */
  rawBody?: RawBody;
  /**
   * The answers that are not errors, by status (errors share one shape: see docs/admin-api.md);
   * JSON unless a media type is given. With `schema`, the document describes the JSON answer by
   * it (what client generators read); without, as an object described in words.
   */
  responses: Record<number, string | { description: string; contentType: string } | { description: string; schema: z.ZodType }>;
}

export interface RequestInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/** A route's operation: middleware that validates the request, and the spec it validates against. */
export interface Operation<P = Record<string, string>, Q = undefined, B = undefined> {
  (ctx: Context, next: Next): Promise<void>;
  readonly spec: OperationSpec<P, Q, B>;
  /** The validated request, for the handler of the route this operation guards. */
  input(ctx: Context): RequestInput<P, Q, B>;
}

const operations = new WeakSet<object>();

/** A route that declares no query takes none: an unknown parameter is a 400, as an unknown body field is. */
const NO_QUERY = z.strictObject({});

/** Whether a middleware function is an operation (the OpenAPI document and its coverage test look for one on every route). */
export function isOperation(fn: unknown): fn is Operation<unknown, unknown, unknown> {
  return typeof fn === 'function' && operations.has(fn);
}

/**
 * Declares a route's operation: put it in the route's middleware after the role guard, and
 * read what it validated with `op.input(ctx)`:
 *
 *     const create = operation({ summary: 'Create an API key', body: createKey, responses: { 201: '…' } });
 *     router.post('/api-keys', can('api-keys'), create, async function createApiKey(ctx) {
 *       const { body } = create.input(ctx);
 */
export function operation<P = Record<string, string>, Q = undefined, B = undefined>(spec: OperationSpec<P, Q, B>): Operation<P, Q, B> {
  const inputs = new WeakMap<Context, RequestInput<P, Q, B>>();
  const validateRequest = async function validateRequest(ctx: Context, next: Next): Promise<void> {
    const params = spec.params ? validate(spec.params, { ...ctx.params }) : (ctx.params as P);
    let query = undefined as Q;
    if (spec.query) query = queryOf(ctx, spec.query);
    else queryOf(ctx, NO_QUERY); // refuses any parameter
    let body = undefined as B;
    if (spec.body) {
      // Koa's `length` is the Content-Length: an empty optional body is `{}` without reading.
      body = spec.bodyOptional && !ctx.request.length ? validate(spec.body, {}) : await jsonBody(ctx, spec.body, LIMITS.maxHttpBodyBytes);
    }
    inputs.set(ctx, { params, query, body });
    await next();
  };
  const op = Object.assign(validateRequest, {
    spec,
    input(ctx: Context): RequestInput<P, Q, B> {
      const input = inputs.get(ctx);
      // A handler asking an operation that is not in its route's middleware: a programming error.
      if (!input) throw new Error(`the operation "${spec.summary}" did not run for ${ctx.method} ${ctx.path}: add it to the route`);
      return input;
    },
  });
  operations.add(op);
  return op;
}
