import type { Router } from '@koa/router';
import { z } from 'zod';
import { displayText } from '@devtrust/shared/identity';
import { LIMITS } from '@devtrust/shared/protocol';
import { can } from '../../http/auth.js';
import { exactRouter } from '../../http/routing.js';
import { jsonBody, queryOf } from '../../http/body.js';
import { badRequest, notFound } from '../../errors.js';
import { activeIntegrationViews } from '../../services/integration-views.js';
import type { Services } from '../../services/services.js';
import { normalizeUsername } from '../../store/repos/users.js';

const putUser = z.strictObject({ groups: z.array(displayText(200)).max(200) });
const username = displayText(256);
/** The username in the path fails as a body field would: 400 naming it, and the character. */
const usernameProblem = (error: z.ZodError): string =>
  `username: ${error.issues[0]?.code === 'custom' ? error.issues[0].message : 'must be 1-256 characters'}`;
const logQuery = z.strictObject({
  since: z.string().optional(),
  user: z.string().max(256).optional(),
  verdict: z.enum(['trusted', 'untrusted']).optional(),
  outcome: z.enum(['attested', 'unattested', 'abandoned', 'all']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export function peopleRoutes(services: Services): Router {
  const { store } = services;
  const router = exactRouter();
  const users = can('users');
  const authLogs = can('auth-log');

  router.put('/users/:username', users, async function putUserGroups(ctx) {
    const name = username.safeParse(ctx.params.username);
    if (!name.success) throw badRequest('INVALID_REQUEST', usernameProblem(name.error), 'username');
    const body = await jsonBody(ctx, putUser, LIMITS.maxHttpBodyBytes);
    ctx.body = await store.users.put(name.data, body.groups);
  });
  router.get('/users', users, async function listUsers(ctx) {
    ctx.body = { users: await store.users.list() };
  });
  router.get('/users/:username', users, async function getUser(ctx) {
    const user = await store.users.get(ctx.params.username as string);
    if (!user) throw notFound('user');
    ctx.body = user;
  });
  router.delete('/users/:username', users, async function deleteUser(ctx) {
    if (!(await store.users.delete(ctx.params.username as string))) throw notFound('user');
    ctx.status = 204;
  });
  /** Which integrations apply to this user and why not ("why was I untrusted?"). */
  router.get('/users/:username/integrations', users, async function userIntegrations(ctx) {
    const name = username.safeParse(ctx.params.username);
    if (!name.success) throw badRequest('INVALID_REQUEST', usernameProblem(name.error), 'username');
    const user = await store.users.get(name.data);
    const views = activeIntegrationViews(await store.integrations.list(), user, normalizeUsername(name.data));
    ctx.body = {
      username: normalizeUsername(name.data),
      known: user !== null,
      groups: user?.groups ?? [],
      integrations: views.map(({ integration: i, inactiveReason }) => ({
        id: i.id,
        name: i.name,
        kind: i.kind,
        category: i.category,
        platforms: i.platforms,
        activation: i.activation,
        applies: inactiveReason === null,
        reason: inactiveReason,
      })),
    };
  });
  router.get('/groups', users, async function listGroups(ctx) {
    ctx.body = { groups: await store.users.groups() };
  });
  router.get('/groups/:group', users, async function getGroup(ctx) {
    const key = (ctx.params.group as string).trim().toLowerCase();
    const members = (await store.users.list()).filter((u) => u.groups.some((g) => g.trim().toLowerCase() === key)).map((u) => u.username);
    if (members.length === 0) throw notFound('group');
    ctx.body = { name: ctx.params.group, members };
  });

  router.get('/auth-log', authLogs, async function authLog(ctx) {
    const query = queryOf(ctx, logQuery);
    let since: number | undefined;
    if (query.since !== undefined) {
      since = /^\d+$/.test(query.since) ? Number(query.since) : Date.parse(query.since);
      if (Number.isNaN(since)) throw badRequest('INVALID_REQUEST', 'since: must be an ISO date or milliseconds since the epoch', 'since');
    }
    ctx.body = {
      entries: await store.authLog.query({
        ...(since !== undefined ? { since } : {}),
        ...(query.user ? { user: query.user } : {}),
        ...(query.verdict ? { verdict: query.verdict } : {}),
        ...(query.outcome ? { outcome: query.outcome } : {}),
        limit: query.limit ?? 200,
      }),
    };
  });
  return router;
}
