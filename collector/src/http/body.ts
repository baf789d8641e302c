import type { Context } from 'koa';
import { z } from 'zod';
import { firstUnstorableText, jsonDepth } from '@devtrust/shared/identity';
import { LIMITS } from '@devtrust/shared/protocol';
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
  return utf8Text(Buffer.concat(chunks));
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A body as text, only when it is UTF-8 without NUL: a spreadsheet saved as "Unicode text"
 * (UTF-16, NUL after every ASCII letter) or in a legacy code page would otherwise be stored
 * garbled, or fail in PostgreSQL (which refuses U+0000) as a 500.
 */
function utf8Text(bytes: Buffer): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw badRequest('INVALID_ENCODING', 'the body is UTF-16 text; send it as UTF-8 (e.g. save the CSV as "CSV UTF-8")', 'body');
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw badRequest('INVALID_ENCODING', 'the body is not valid UTF-8; send it as UTF-8 (e.g. save the CSV as "CSV UTF-8")', 'body');
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0)
    throw badRequest('INVALID_ENCODING', `the body contains a NUL character (U+0000) at offset ${nul}; send UTF-8 text`, 'body');
  return text;
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
  if (jsonDepth(json) > LIMITS.maxJsonDepth) {
    throw badRequest('MALFORMED_JSON', `the body nests arrays and objects deeper than ${LIMITS.maxJsonDepth} levels`);
  }
  // "\u0000" and lone "\ud800" escapes: refused in every string, whatever the schema says.
  const unstorable = firstUnstorableText(json);
  if (unstorable) {
    const field = unstorable.path === '' ? undefined : unstorable.path;
    throw badRequest('INVALID_REQUEST', `${unstorable.path || '(root)'}: must not contain ${unstorable.character}`, field);
  }
  return validate(schema, json);
}

/** Validates a query string: every parameter must be known. */
export function queryOf<T>(ctx: Context, schema: z.ZodType<T>): T {
  return validate(schema, { ...ctx.query });
}
