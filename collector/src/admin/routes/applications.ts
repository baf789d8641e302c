import type { Router } from '@koa/router';
import { z } from 'zod';
import { displayText } from '@devtrust/shared/identity';
import { REASON_DETAILS } from '../../domain/application.js';
import { applicationPolicySchema } from '../../domain/policy.js';
import { notFound } from '../../errors.js';
import { adminActor } from '../../http/actor.js';
import { can } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import type { Services } from '../../services/services.js';

const redirectUri = z
  .string()
  .max(2000)
  .refine((u) => {
    try {
      const url = new URL(u);
      // Plain HTTP only for loopback apps (development), as OAuth 2.0 for native apps allows.
      return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
    } catch {
      return false;
    }
  }, 'must be an https URL (http only for localhost)')
  .refine((u) => !u.includes('#'), 'must not contain a fragment');

export const createApplication = operation({
  summary: 'Create an application',
  description:
    "A name that reads the same as another application's (case, accents, spaces, invisible characters and look-alike letters do not count) is 409 APPLICATION_NAME_TAKEN, naming that application; one that reads as nothing is 400 APPLICATION_NAME_UNREADABLE; one holding a character other than letters, marks, digits, spaces and - _ . , & ' ( ) / + : # is 400 APPLICATION_NAME_CHARACTER_REFUSED; one mixing the letters of two scripts (Japanese, Korean and Chinese mixes apart) is 400 APPLICATION_NAME_MIXED_SCRIPTS.",
  body: z.strictObject({
    name: displayText(200),
    redirectUris: z.array(redirectUri).min(1).max(20),
    policy: applicationPolicySchema.optional(),
    reasonDetail: z.enum(REASON_DETAILS).optional(),
  }),
  responses: { 201: '{id, name, clientId, redirectUris, policy, createdAt, updatedAt, clientSecret}: `clientSecret` is shown this once' },
});
const listApplications = operation({ summary: 'List the applications', responses: { 200: '{applications: [...]}, without secrets' } });
const getApplication = operation({ summary: 'One application', responses: { 200: 'the application' } });
export const patchApplication = operation({
  summary: 'Change an application',
  description:
    "`policy` keys given replace the application's; a key set to null goes back to the global value. A `name` that reads the same as another application's is 409 APPLICATION_NAME_TAKEN, naming that application; a changed `name` breaking the rules for new names is 400 (APPLICATION_NAME_CHARACTER_REFUSED, APPLICATION_NAME_MIXED_SCRIPTS), one sent back unchanged is kept.",
  body: z.strictObject({
    name: displayText(200).optional(),
    redirectUris: z.array(redirectUri).min(1).max(20).optional(),
    policy: applicationPolicySchema.optional(),
    reasonDetail: z.enum(REASON_DETAILS).optional(),
  }),
  responses: { 200: 'the application' },
});
const deleteApplication = operation({ summary: 'Delete an application', responses: { 204: 'deleted' } });
const rotateApplicationSecret = operation({
  summary: "Rotate an application's client secret",
  description: 'The new secret is shown this once; the old one stops working at once (no overlap).',
  responses: { 200: 'the application with its new `clientSecret`' },
});

/** `/admin/v1/applications`: applications, their client credentials and policy overrides. */
export function applicationRoutes(services: Services): Router {
  const { applications } = services;
  const router = exactRouter();
  const apps = can('applications');

  router.post('/applications', apps, createApplication, async function createApp(ctx) {
    const { body } = createApplication.input(ctx);
    ctx.status = 201;
    ctx.body = await applications.create(body, adminActor(ctx));
  });

  router.get('/applications', apps, listApplications, async function listApps(ctx) {
    ctx.body = { applications: await applications.list() };
  });

  router.get('/applications/:id', apps, getApplication, async function getApp(ctx) {
    const application = await applications.get(ctx.params.id as string);
    if (!application) throw notFound('application');
    ctx.body = application;
  });

  router.patch('/applications/:id', apps, patchApplication, async function patchApp(ctx) {
    const { body } = patchApplication.input(ctx);
    const updated = await applications.patch(ctx.params.id as string, body, adminActor(ctx));
    if (!updated) throw notFound('application');
    ctx.body = updated;
  });

  // A new client secret, shown once; the old one stops working at once (no overlap).
  router.post('/applications/:id/rotate-secret', apps, rotateApplicationSecret, async function rotateSecret(ctx) {
    const rotated = await applications.rotateSecret(ctx.params.id as string, adminActor(ctx));
    if (!rotated) throw notFound('application');
    ctx.body = rotated;
  });

  router.delete('/applications/:id', apps, deleteApplication, async function deleteApp(ctx) {
    if (!(await applications.delete(ctx.params.id as string, adminActor(ctx)))) throw notFound('application');
    ctx.status = 204;
  });
  return router;
}
