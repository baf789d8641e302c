import { Router, type RouterOptions } from '@koa/router';

/**
 * Every router of the collector matches paths exactly as written: case-sensitive, no
 * trailing-slash variant, no decoding before matching. A route and the middleware guarding
 * it therefore agree on what a path is; `/ADMIN/V1/…`, `/admin/v1/policy/` or
 * `/admin/v1/api%2Dkeys` are not routes, so they answer 404 (after authentication under
 * /admin, see adminGate). One rule for the whole server keeps a second router from
 * reintroducing a case-insensitive path next to a case-sensitive guard.
 */
export const EXACT_PATHS = { sensitive: true, strict: true } as const;

export function exactRouter(options: Omit<RouterOptions, 'sensitive' | 'strict'> = {}): Router {
  return new Router({ ...options, ...EXACT_PATHS });
}
