import type { Router } from '@koa/router';
import { z } from 'zod';
import { displayText } from '@devtrust/shared/identity';
import { LIMITS } from '@devtrust/shared/protocol';
import { applicationPolicySchema } from '../../domain/policy.js';
import { notFound } from '../../errors.js';
import { can } from '../../http/auth.js';
import { jsonBody } from '../../http/body.js';
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

export const createApplication = z.strictObject({
  name: displayText(200),
  redirectUris: z.array(redirectUri).min(1).max(20),
  policy: applicationPolicySchema.optional(),
});
export const patchApplication = z.strictObject({
  name: displayText(200).optional(),
  redirectUris: z.array(redirectUri).min(1).max(20).optional(),
  policy: applicationPolicySchema.optional(),
});

/** `/admin/v1/applications`: applications, their client credentials and policy overrides. */
export function applicationRoutes(services: Services): Router {
  const { applications } = services;
  const router = exactRouter();
  const apps = can('applications');

  router.post('/applications', apps, async function createApp(ctx) {
    const body = await jsonBody(ctx, createApplication, LIMITS.maxHttpBodyBytes);
    ctx.status = 201;
    ctx.body = await applications.create(body);
  });

  router.get('/applications', apps, async function listApps(ctx) {
    ctx.body = { applications: await applications.list() };
  });

  router.get('/applications/:id', apps, async function getApp(ctx) {
    const application = await applications.get(ctx.params.id as string);
    if (!application) throw notFound('application');
    ctx.body = application;
  });

  router.patch('/applications/:id', apps, async function patchApp(ctx) {
    const body = await jsonBody(ctx, patchApplication, LIMITS.maxHttpBodyBytes);
    const updated = await applications.patch(ctx.params.id as string, body);
    if (!updated) throw notFound('application');
    ctx.body = updated;
  });

  router.delete('/applications/:id', apps, async function deleteApp(ctx) {
    if (!(await applications.delete(ctx.params.id as string))) throw notFound('application');
    ctx.status = 204;
  });
  return router;
}
