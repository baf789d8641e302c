import type { Context } from 'koa';
import type { z } from 'zod';
import { AppError, badRequest } from '../errors.js';
import { validate } from '../validation.js';

export { validate };

/** Reads a request body up to `limit` bytes; a larger one is refused with 413 without buffering it. */
export async function readBody(ctx: Context, limit: number): Promise<string> {
  const declared = Number(ctx.request.length);
  if (Number.isFinite(declared) && declared > limit) throw new AppError(413, 'BODY_TOO_LARGE', `the body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      ctx.req.unpipe();
      ctx.req.resume();
      throw new AppError(413, 'BODY_TOO_LARGE', `the body is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body against a strict schema; 400 names the field on any mismatch. */
export async function jsonBody<T>(ctx: Context, schema: z.ZodType<T>, limit: number): Promise<T> {
  const type = ctx.request.type;
  if (type !== 'application/json') throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  const text = await readBody(ctx, limit);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badRequest('MALFORMED_JSON', 'the body is not valid JSON');
  }
  return validate(schema, json);
}

/** Validates a query string: every parameter must be known. */
export function queryOf<T>(ctx: Context, schema: z.ZodType<T>): T {
  return validate(schema, { ...ctx.query });
}
