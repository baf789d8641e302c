import type { Router } from '@koa/router';
import { z } from 'zod';
import { hashToken, randomToken, seal } from '@devtrust/shared/crypto';
import { displayText } from '@devtrust/shared/identity';
import { LIMITS } from '@devtrust/shared/protocol';
import { can } from '../../http/auth.js';
import { jsonBody } from '../../http/body.js';
import { exactRouter } from '../../http/routing.js';
import { notFound } from '../../errors.js';
import { DEFAULT_POLICY, withoutInherited } from '../../policy/policy.js';
import { applicationPolicySchema, globalPolicySchema } from '../../policy/schema.js';
import { GLOBAL_POLICY_SETTING } from '../../services/verdicts.js';
import type { Services } from '../../services/services.js';
import type { ApplicationPatch } from '../../store/repos/applications.js';

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

/** The global policy's schema (the console renders its form from it); see policy/schema.ts. */
export const policySchema = globalPolicySchema;

const createApplication = z.strictObject({
  name: displayText(200),
  redirectUris: z.array(redirectUri).min(1).max(20),
  policy: applicationPolicySchema.optional(),
});
const patchApplication = z.strictObject({
  name: displayText(200).optional(),
  redirectUris: z.array(redirectUri).min(1).max(20).optional(),
  policy: applicationPolicySchema.optional(),
});

/** The secret is sealed (the OIDC provider must compare it) and hashed (fast API auth). */
export const CLIENT_SECRET_CONTEXT = 'application-client-secret';

export function applicationRoutes(services: Services): Router {
  const { store, masterKey, verdicts } = services;
  const router = exactRouter();
  const apps = can('applications');
  // The global policy applies to every application: owners and admins change it,
  // app managers only their applications' overrides (see GRANTS in http/auth.ts).
  const policy = can('policy');

  router.post('/applications', apps, async function createApp(ctx) {
    const body = await jsonBody(ctx, createApplication, LIMITS.maxHttpBodyBytes);
    const clientId = randomToken('dtc', 12);
    const clientSecret = randomToken('dts');
    const application = await store.applications.create({
      name: body.name,
      clientId,
      secretHash: hashToken(clientSecret),
      secretSealed: seal(masterKey, clientSecret, `${CLIENT_SECRET_CONTEXT}/${clientId}`),
      redirectUris: body.redirectUris,
      policy: withoutInherited(body.policy ?? {}),
    });
    ctx.status = 201;
    ctx.body = { ...application, clientSecret };
  });

  router.get('/applications', apps, async function listApps(ctx) {
    ctx.body = { applications: await store.applications.list() };
  });

  router.get('/applications/:id', apps, async function getApp(ctx) {
    const application = await store.applications.get(ctx.params.id as string);
    if (!application) throw notFound('application');
    ctx.body = application;
  });

  router.patch('/applications/:id', apps, async function patchApp(ctx) {
    const body = await jsonBody(ctx, patchApplication, LIMITS.maxHttpBodyBytes);
    // Merged inside the store's transaction, on the application as stored at that moment:
    // a concurrent PATCH of another field (or policy key) is kept, not overwritten.
    const updated = await store.applications.patch(ctx.params.id as string, (current) => {
      const patch: ApplicationPatch = {};
      if (body.name !== undefined) patch.name = body.name;
      if (body.redirectUris !== undefined) patch.redirectUris = body.redirectUris;
      // Keys given replace the app's overrides; null removes one (the global value applies).
      if (body.policy !== undefined) patch.policy = withoutInherited({ ...current.policy, ...body.policy });
      return patch;
    });
    if (!updated) throw notFound('application');
    ctx.body = updated;
  });

  router.delete('/applications/:id', apps, async function deleteApp(ctx) {
    if (!(await store.applications.delete(ctx.params.id as string))) throw notFound('application');
    ctx.status = 204;
  });

  router.get('/policy', policy, async function getPolicy(ctx) {
    ctx.body = await verdicts.globalPolicy();
  });

  router.put('/policy', policy, async function putPolicy(ctx) {
    const body = await jsonBody(ctx, policySchema, LIMITS.maxHttpBodyBytes);
    // A partial update, merged in one transaction with the policy as stored then, so two
    // admins changing different fields at once both keep their change.
    const stored = await store.settings.update(GLOBAL_POLICY_SETTING, (current) =>
      JSON.stringify({ ...DEFAULT_POLICY, ...(current ? (JSON.parse(current) as object) : {}), ...body }),
    );
    ctx.body = JSON.parse(stored) as unknown;
  });
  return router;
}
