import type { Context, Next } from 'koa';
import { firstUnstorableText, unstorableCharacter } from '@devtrust/shared/identity';
import { badRequest } from '../errors.js';

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a malformed escape: routes will not match it either
  }
}

/**
 * Before any route: a path or query that decodes to U+0000 or a lone surrogate is a 400.
 * Nothing the collector serves is named so, and such a value reaching PostgreSQL as an id,
 * a client_id or a filter fails the query (a 500) instead of finding nothing. One check
 * here covers every route, the admin API, the transaction API and the OIDC provider alike.
 */
export async function refuseUnstorableRequestText(ctx: Context, next: Next): Promise<void> {
  const inPath = unstorableCharacter(decoded(ctx.path));
  if (inPath) throw badRequest('INVALID_REQUEST', `the path must not contain ${inPath}`);
  const inQuery = firstUnstorableText(ctx.query);
  if (inQuery) throw badRequest('INVALID_REQUEST', `${inQuery.path}: must not contain ${inQuery.character}`, inQuery.path);
  await next();
}
