import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from 'koa';
import { z } from 'zod';
import { firstUnstorableText, jsonDepth } from '@devtrust/shared/identity';
import { LIMITS } from '@devtrust/shared/protocol';
import { AppError, badRequest } from '../errors.js';
import { validate } from '../validation.js';

export { validate };

const tooLarge = (limit: number): AppError => new AppError(413, 'BODY_TOO_LARGE', `the body is larger than ${limit} bytes`);

/** Reads a request body up to `limit` bytes; a larger one is refused with 413 without buffering it. */
export async function readBody(ctx: Context, limit: number): Promise<string> {
  let text = '';
  for await (const chunk of textChunks(ctx, limit)) text += chunk;
  return text;
}

/**
 * A request body as UTF-8 text, chunk by chunk as it arrives, so a large upload (a CSV
 * inventory) is parsed while it streams in instead of being held whole. Each chunk is
 * checked before it is handed on: at most `limit` bytes (413), UTF-8 without NUL (400).
 * A spreadsheet saved as "Unicode text" (UTF-16, NUL after every ASCII letter) or in a
 * legacy code page would otherwise be stored garbled, or fail in PostgreSQL (which
 * refuses U+0000) as a 500.
 */
export async function* textChunks(ctx: Context, limit: number): AsyncGenerator<string> {
  const declared = Number(ctx.request.length);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let size = 0;
  let head = Buffer.alloc(0);
  let offset = 0;
  const checked = (text: string): string => {
    const nul = text.indexOf('\u0000');
    if (nul >= 0) {
      throw badRequest('INVALID_ENCODING', `the body contains a NUL character (U+0000) at offset ${offset + nul}; send UTF-8 text`, 'body');
    }
    offset += text.length;
    return text;
  };
  // Not destroyed when the reader stops early (a bad row on line 3 of a large upload): the
  // rest is drained instead, so the client still reads the 400 rather than a reset.
  const body = ctx.req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      if (head.length < 2) {
        head = Buffer.concat([head, chunk.subarray(0, 2 - head.length)]);
        if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
          throw badRequest('INVALID_ENCODING', 'the body is UTF-16 text; send it as UTF-8 (e.g. save the CSV as "CSV UTF-8")', 'body');
        }
      }
      const text = checked(decodeUtf8(decoder, chunk));
      if (text !== '') yield text;
    }
    const rest = checked(decodeUtf8(decoder));
    if (rest !== '') yield rest;
  } finally {
    if (!ctx.req.readableEnded) {
      ctx.req.unpipe();
      ctx.req.resume();
    }
  }
}

const SPOOL_PREFIX = 'devtrust-upload-';

/**
 * Removes the upload spools of collector processes that died in the middle of an upload
 * (`kill -9`, a crash): each spool's name holds its process id, and one whose process no
 * longer runs is nobody's. Called at start-up.
 */
export async function removeDeadSpools(): Promise<void> {
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    const pid = Number(new RegExp(`^${SPOOL_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || processRuns(pid)) continue;
    await rm(path.join(tmpdir(), name), { recursive: true, force: true });
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * A large text body (a CSV inventory) received whole, checked as it arrives (textChunks),
 * into a private temporary file, then handed back as text chunks read from that file. The
 * collector's memory stays flat however large the body, the client is not held to the pace
 * of the database (a request must arrive within the server's request timeout), and a body
 * refused for its size or encoding is refused before any work starts. `remove` deletes the file.
 */
export async function spooledText(ctx: Context, limit: number): Promise<{ text: AsyncIterable<string>; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `${SPOOL_PREFIX}${process.pid}-`));
  const file = path.join(dir, 'body.txt');
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const out = createWriteStream(file, { encoding: 'utf8', mode: 0o600 });
    const written = new Promise<void>((resolve, reject) => {
      out.once('finish', resolve);
      out.once('error', reject);
    });
    try {
      for await (const chunk of textChunks(ctx, limit)) {
        if (!out.write(chunk)) await once(out, 'drain');
      }
    } finally {
      out.end();
    }
    await written;
  } catch (error) {
    await remove();
    throw error;
  }
  return { text: createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 }) as AsyncIterable<string>, remove };
}

/** The next piece of text (a character split across chunks waits for the next one); 400 on bytes that are not UTF-8. */
function decodeUtf8(decoder: TextDecoder, bytes?: Buffer): string {
  try {
    return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
  } catch {
    throw badRequest('INVALID_ENCODING', 'the body is not valid UTF-8; send it as UTF-8 (e.g. save the CSV as "CSV UTF-8")', 'body');
  }
}

/** Parses a JSON body against a strict schema; 400 names the field on any mismatch. */
export async function jsonBody<T>(ctx: Context, schema: z.ZodType<T>, limit: number): Promise<T> {
  const type = ctx.request.type;
  if (type !== 'application/json') throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  return parseJsonText(await readBody(ctx, limit), schema);
}

/** A JSON body's text checked and validated (the pure half of jsonBody): the value, or a 400. */
export function parseJsonText<T>(text: string, schema: z.ZodType<T>): T {
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
