import type { Context, Next } from 'koa';
import { forbidden, unauthorized } from '../errors.js';
import type { ApiKey, Role } from '../domain/api-key.js';
import { tooManyRequests, type RateLimiter } from '../limits/rate-limiter.js';
import type { ApiKeyService } from '../services/api-keys.js';
import { addressKey } from '../limits/address-key.js';

/** What each role may do, by area of the admin API. */
export type Area =
  | 'api-keys'
  | 'integrations'
  | 'kinds'
  | 'endpoints'
  | 'applications'
  | 'policy'
  | 'users'
  | 'auth-log'
  | 'admin-log'
  | 'findings'
  | 'enrollment'
  | 'dashboard'
  | 'openapi';
type Access = 'read' | 'write';

const GRANTS: Record<Role, (area: Area, access: Access) => boolean> = {
  owner: () => true,
  admin: (area) => area !== 'api-keys',
  // App managers run their applications, policy overrides included; the global policy
  // applies to every application, so they may read it (to see what they inherit) only.
  'app-manager': (area, access) => area === 'applications' || (area === 'policy' && access === 'read'),
  // The admin log names every API key and the addresses admins work from: not for read-only
  // keys (help desks, dashboards), which may not list the API keys either.
  'read-only': (area, access) => access === 'read' && area !== 'api-keys' && area !== 'enrollment' && area !== 'admin-log',
};

/**
 * The catalogue of integration kinds and the OpenAPI document describe the product, not the
 * tenant: every role may read them.
 */
const READ_BY_EVERY_ROLE: readonly Area[] = ['kinds', 'openapi'];

export function allowed(role: Role, area: Area, access: Access): boolean {
  return (access === 'read' && READ_BY_EVERY_ROLE.includes(area)) || GRANTS[role](area, access);
}

/**
 * DevTrust's other secrets, told by their prefix: the enrollment key pasted where an API key
 * goes is the common first mistake, and "unknown or revoked" sends the admin hunting for a
 * revocation. Only the prefix the caller sent is read back; the key itself is never echoed.
 */
function otherKeyHint(token: string): string {
  if (token.startsWith('dte_'))
    return ': this is an agent enrollment key (dte_…), not an API key; use an API key (dtk_…), such as the owner key in first-start-keys.txt';
  if (token.startsWith('dts_')) return ": this is an application's client secret (dts_…), not an API key; use an API key (dtk_…)";
  if (token.startsWith('dtc_'))
    return ": this is an application's client ID or an integration's trusted-endpoints key (dtc_…), not an API key; use an API key (dtk_…)";
  return '';
}

/**
 * Authenticates `Authorization: Bearer <api key>`; sets ctx.state.apiKey. With `failures`,
 * each failed attempt costs the client address, and an address that has failed too often
 * is refused (429) before its key is even looked at, whichever key it sends: otherwise the
 * answer to a right key (200) would stand out among the 429s and guessing would go on.
 */
export function apiKeyAuth(apiKeys: ApiKeyService, failures: RateLimiter | null = null) {
  return async function authenticateApiKey(ctx: Context, next: Next): Promise<void> {
    const wait = failures?.spent(addressKey(ctx.ip)) ?? null;
    if (wait !== null) throw tooManyRequests('failed API key authentications from this address', wait);
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw unauthorized('send an API key as "Authorization: Bearer <key>"');
    // Last-use bookkeeping (in the service) never slows down or fails a request.
    const key = await apiKeys.authenticate(match[1]);
    if (!key) {
      // Only a key that fails costs: a request without one guesses nothing.
      failures?.take(addressKey(ctx.ip));
      throw unauthorized(`the API key is unknown or revoked${otherKeyHint(match[1])}`);
    }
    ctx.state.apiKey = key;
    await next();
  };
}

/**
 * Whether a request path is under /admin however it is spelled: percent-decoded, any
 * case, dot segments and doubled slashes resolved. Only the gate uses this loose reading;
 * routes match exactly (http/routing.ts), so a variant that passes the gate is a 404.
 */
export function isAdminPath(rawPath: string): boolean {
  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // Malformed escapes: judge the raw text, which routes will not match either.
  }
  let resolved: string;
  try {
    resolved = new URL(path.replace(/\/{2,}/g, '/'), 'http://collector.invalid').pathname;
  } catch {
    resolved = path;
  }
  const lower = resolved.replace(/\/{2,}/g, '/').toLowerCase();
  return lower === '/admin' || lower.startsWith('/admin/');
}

/**
 * The one authentication point of the admin API, in front of every router: anything under
 * /admin (the admin REST API, the OIDC key routes, whatever is mounted there later) needs
 * a valid API key before routing even looks at it, so a missing key is a 401 everywhere
 * and no spelling of a path reaches a handler unauthenticated.
 */
export function adminGate(apiKeys: ApiKeyService, failures: RateLimiter | null = null) {
  const authenticate = apiKeyAuth(apiKeys, failures);
  return async function requireApiKeyUnderAdmin(ctx: Context, next: Next): Promise<void> {
    if (!isAdminPath(ctx.path)) return next();
    await authenticate(ctx, next);
  };
}

/** A role check on a route; `permits` says which roles pass it for a method. */
export interface RoleGuard {
  (ctx: Context, next: Next): Promise<void>;
  permits(role: Role, method: string): boolean;
}

function accessOf(method: string): Access {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}

function guard(permits: (role: Role, access: Access) => boolean, deny: (role: Role, access: Access) => string): RoleGuard {
  const check = async function checkRole(ctx: Context, next: Next): Promise<void> {
    // The gate authenticates first; a route reached without a key is refused, never a 500.
    const key = ctx.state.apiKey as ApiKey | undefined;
    if (!key) throw unauthorized('send an API key as "Authorization: Bearer <key>"');
    const access = accessOf(ctx.method);
    if (!permits(key.role, access)) throw forbidden(deny(key.role, access));
    await next();
  };
  return Object.assign(check, { permits: (role: Role, method: string) => permits(role, accessOf(method)) });
}

/** Route guard: `can('integrations')` allows reads for readers and writes for writers. */
export function can(area: Area): RoleGuard {
  return guard(
    (role, access) => allowed(role, area, access),
    (role, access) => `the ${role} role may not ${access} ${area}`,
  );
}

/** Route guard for a few roles only, whatever the method (e.g. the OIDC signing keys). */
export function onlyRoles(roles: readonly Role[], what: string): RoleGuard {
  return guard(
    (role) => roles.includes(role),
    (role) => `the ${role} role may not ${what}`,
  );
}
