import type { Context } from 'koa';
import type { AdminActor } from '../domain/admin-log.js';
import type { ApiKey } from '../domain/api-key.js';
import { unauthorized } from '../errors.js';

/**
 * The header the web console sends with each request, so the admin log can say a change
 * came from the console. It is a label, not a credential: the API key is the actor either way.
 */
export const CONSOLE_CLIENT_HEADER = 'x-devtrust-client';

/** Who makes this admin request, for the admin log: the API key, the client, its address and user agent. */
export function adminActor(ctx: Context): AdminActor {
  const key = ctx.state.apiKey as ApiKey | undefined;
  if (!key) throw unauthorized('send an API key as "Authorization: Bearer <key>"');
  return {
    kind: ctx.get(CONSOLE_CLIENT_HEADER) === 'console' ? 'console' : 'api-key',
    keyId: key.id,
    keyName: key.name,
    address: ctx.ip || null,
    userAgent: ctx.get('user-agent') || null,
  };
}
