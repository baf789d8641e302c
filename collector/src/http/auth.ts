import type { Context, Next } from 'koa';
import { hashToken } from '@devtrust/shared/crypto';
import { forbidden, unauthorized } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ApiKey, Role } from '../store/types.js';

/** What each role may do, by area of the admin API. */
export type Area = 'api-keys' | 'integrations' | 'endpoints' | 'applications' | 'policy' | 'users' | 'auth-log' | 'findings' | 'enrollment';
type Access = 'read' | 'write';

const GRANTS: Record<Role, (area: Area, access: Access) => boolean> = {
  owner: () => true,
  admin: (area) => area !== 'api-keys',
  'app-manager': (area) => area === 'applications' || area === 'policy',
  'read-only': (area, access) => access === 'read' && area !== 'api-keys' && area !== 'enrollment',
};

export function allowed(role: Role, area: Area, access: Access): boolean {
  return GRANTS[role](area, access);
}

/** Authenticates `Authorization: Bearer <api key>`; sets ctx.state.apiKey. */
export function apiKeyAuth(store: Store) {
  return async function authenticateApiKey(ctx: Context, next: Next): Promise<void> {
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw unauthorized('send an API key as "Authorization: Bearer <key>"');
    const key = await store.apiKeys.findActiveByHash(hashToken(match[1]));
    if (!key) throw unauthorized('the API key is unknown or revoked');
    ctx.state.apiKey = key;
    // Last-use bookkeeping must never slow down or fail a request.
    if (key.lastUsedAt === null || Date.now() - key.lastUsedAt > 60_000)
      void store.apiKeys.touch(key.id, Date.now()).catch(() => undefined);
    await next();
  };
}

/** Route guard: `can('integrations')` allows reads for readers and writes for writers. */
export function can(area: Area) {
  return async function checkRole(ctx: Context, next: Next): Promise<void> {
    const key = ctx.state.apiKey as ApiKey;
    const access: Access = ctx.method === 'GET' || ctx.method === 'HEAD' ? 'read' : 'write';
    if (!allowed(key.role, area, access)) throw forbidden(`the ${key.role} role may not ${access} ${area}`);
    await next();
  };
}
