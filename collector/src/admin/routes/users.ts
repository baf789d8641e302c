import type { Router } from '@koa/router';
import { z } from 'zod';
import { displayText } from '@devtrust/shared/identity';
import { notFound } from '../../errors.js';
import { adminActor } from '../../http/actor.js';
import { can } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';

/** A username in a path fails as a body field would: 400 naming it, and the character. */
const usernameParams = z.object({ username: displayText(256) });

export const putUser = operation({
  summary: "Set a user's groups",
  description: "The groups given replace the user's. User names are kept in lower case.",
  params: usernameParams,
  body: z.strictObject({ groups: z.array(displayText(200)).max(200) }),
  responses: { 200: 'the user {username, groups, createdAt, updatedAt}' },
});
const listUsers = operation({ summary: 'List the users', responses: { 200: '{users: [...]}' } });
const getUser = operation({ summary: 'One user', responses: { 200: 'the user' } });
const deleteUser = operation({ summary: 'Delete a user', responses: { 204: 'deleted' } });
const userIntegrations = operation({
  summary: 'Which integrations apply to a user, and why not',
  params: usernameParams,
  responses: { 200: '{username, known, groups, integrations: [{id, name, kind, category, platforms, activation, applies, reason}]}' },
});

/** `/admin/v1/users`: users' groups (test-group activation) and which integrations apply to them. */
export function userRoutes(services: Services): Router {
  const { users } = services;
  const router = exactRouter();
  const guard = can('users');

  router.put('/users/:username', guard, putUser, async function putUserGroups(ctx) {
    const { params, body } = putUser.input(ctx);
    ctx.body = await users.put(params.username, body.groups, adminActor(ctx));
  });
  router.get('/users', guard, listUsers, async function listUsers(ctx) {
    ctx.body = { users: await users.list() };
  });
  router.get('/users/:username', guard, getUser, async function getUser(ctx) {
    const user = await users.get(ctx.params.username as string);
    if (!user) throw notFound('user');
    ctx.body = user;
  });
  router.delete('/users/:username', guard, deleteUser, async function deleteUser(ctx) {
    if (!(await users.delete(ctx.params.username as string, adminActor(ctx)))) throw notFound('user');
    ctx.status = 204;
  });
  /** Which integrations apply to this user and why not ("why was I untrusted?"). */
  router.get('/users/:username/integrations', guard, userIntegrations, async function listUserIntegrations(ctx) {
    const { username, user, views } = await users.integrationsFor(userIntegrations.input(ctx).params.username);
    ctx.body = {
      username,
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
  return router;
}
