import type { Router } from '@koa/router';
import { z } from 'zod';
import { ADMIN_RESOURCE_TYPES, MAX_ACTION_LENGTH, type AdminLogQuery } from '../../domain/admin-log.js';
import { badRequest } from '../../errors.js';
import { instant } from '../instant.js';
import { can } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';

/** Entries per page: 100 unless `limit` asks for fewer; a larger `limit` is cut to this. */
export const ADMIN_LOG_PAGE = { default: 100, max: 500 } as const;

const logQuery = z.strictObject({
  resourceType: z.enum(ADMIN_RESOURCE_TYPES).optional(),
  resourceId: z.string().min(1).max(256).optional(),
  action: z.string().min(1).max(MAX_ACTION_LENGTH).optional(),
  actorKeyId: z.string().min(1).max(64).optional(),
  since: z.string().max(64).optional(),
  until: z.string().max(64).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).optional(),
});

const listLog = operation({
  summary: 'The administrator actions log, newest first, a page at a time',
  description:
    'Every change made through the admin API (so the console and devtrustctl too), with who, what (before and after, no secrets), when and from where.',
  query: logQuery,
  responses: { 200: '{entries: [{id, at, actor, resourceType, resourceId, action, changed, before, after}], total, nextCursor}' },
});

/**
 * Cursors are opaque to clients: today the id the next page starts before, encoded so that
 * nobody builds one by hand and the encoding may change without breaking them.
 */
const encodeCursor = (beforeId: number): string => Buffer.from(JSON.stringify({ b: beforeId })).toString('base64url');

function decodeCursor(cursor: string): number {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { b?: unknown };
    if (typeof decoded.b === 'number' && Number.isSafeInteger(decoded.b) && decoded.b > 0) return decoded.b;
  } catch {
    // Not ours: refused below.
  }
  throw badRequest('INVALID_CURSOR', 'cursor: not a cursor this API returned (pass nextCursor as it is)', 'cursor');
}

/**
 * `GET /admin/v1/admin-log`: the administrator actions log, newest first, one page at a
 * time. Owners and admins read it (see GRANTS in http/auth.ts); nobody writes it.
 */
export function adminLogRoutes(services: Services): Router {
  const { adminLog } = services;
  const router = exactRouter();

  router.get('/admin-log', can('admin-log'), listLog, async function listAdminLog(ctx) {
    const { query } = listLog.input(ctx);
    const since = instant(query.since, 'since');
    const until = instant(query.until, 'until');
    if (since !== undefined && until !== undefined && since > until) {
      throw badRequest('INVALID_REQUEST', 'since: must not be after until', 'since');
    }
    const filters: AdminLogQuery = {
      ...(query.resourceType ? { resourceType: query.resourceType } : {}),
      ...(query.resourceId ? { resourceId: query.resourceId } : {}),
      ...(query.action ? { action: query.action } : {}),
      ...(query.actorKeyId ? { actorKeyId: query.actorKeyId } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(query.cursor ? { beforeId: decodeCursor(query.cursor) } : {}),
      limit: Math.min(query.limit ?? ADMIN_LOG_PAGE.default, ADMIN_LOG_PAGE.max),
    };
    const page = await adminLog.query(filters);
    ctx.body = {
      entries: page.entries,
      total: page.total,
      nextCursor: page.nextBeforeId === null ? null : encodeCursor(page.nextBeforeId),
    };
  });
  return router;
}
