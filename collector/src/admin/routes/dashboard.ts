import type { Router } from '@koa/router';
import { z } from 'zod';
import { can } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import { DASHBOARD_RANGES, type DashboardRange } from '../../services/dashboard.js';
import type { Services } from '../../services/services.js';

export const dashboardQuery = z.strictObject({
  range: z.enum(Object.keys(DASHBOARD_RANGES) as [DashboardRange, ...DashboardRange[]]).optional(),
  // The viewer's offset from UTC (east positive), so day bars start at their midnight.
  utcOffsetMinutes: z.coerce.number().int().min(-840).max(840).optional(),
});

const show = operation({
  summary: "The console's front page: endpoint counts, sign-ins over time, integration health, findings",
  description:
    "`endpoints.blocked` counts the endpoints blocked or denied by an administrator and not released; `endpoints.released` the released ones (retired keys, blocked for good, counted apart). `signIns.totals.denied` (and each bucket's `denied`) counts every denial, those because no DevTrust agent answered among them (`deniedNoAgent`); a prompt that allowed and that the application never completed is left out. An integration's `syncedAt` is its last successful sync; `lastSync` its latest run, whatever its outcome, with `error` and `errorCode` when it failed.",
  query: dashboardQuery,
  responses: {
    200: '{generatedAt, endpoints: {total, blocked, released, pendingApproval, seenSince, seenSinceMs}, signIns: {range, since, bucketMs, utcOffsetMinutes, totals, buckets}, integrations, findings}; totals and each bucket: {trusted, untrusted, denied, deniedNoAgent}',
  },
});

/** `/admin/v1/dashboard`: the console's front page in one answer. */
export function dashboardRoutes(services: Services): Router {
  const router = exactRouter();
  router.get('/dashboard', can('dashboard'), show, async function showDashboard(ctx) {
    const { query } = show.input(ctx);
    ctx.body = await services.dashboard.build(query.range ?? '7d', query.utcOffsetMinutes ?? 0);
  });
  return router;
}
