import type { Context } from 'koa';
import { z } from 'zod';
import { allowed, apiKeyAuth, type Area } from '../http/auth.js';
import { adminAuthFailuresOf } from '../limits/abuse-limits.js';
import type { Services } from '../services/services.js';
import type { ApiKey } from '../domain/api-key.js';
import { applicationPolicySchema, globalPolicyPatchSchema } from '../domain/policy.js';

/**
 * Every area of the admin API. `satisfies` makes the compiler fail here when an area is
 * added to auth.ts and not to this list, so the console never silently hides a page.
 */
const AREAS = Object.keys({
  'api-keys': true,
  integrations: true,
  kinds: true,
  endpoints: true,
  applications: true,
  policy: true,
  users: true,
  'auth-log': true,
  'admin-log': true,
  findings: true,
  enrollment: true,
  dashboard: true,
  openapi: true,
} satisfies Record<Area, true>) as Area[];

/**
 * The policy's JSON Schema, so the console renders new policy fields (and their enum values)
 * generically: the global one, and an application's overrides (nullable: null inherits).
 */
function describePolicy(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  } catch {
    return null; // The console falls back to rendering the values it reads.
  }
}

/**
 * `GET /console/session`: who the API key is and what its role may do, read from the same
 * grant table the admin API enforces, so the console shows only the actions that will work.
 * The admin API has no "who am I" route; this is the console's one server-side helper.
 */
export function consoleSession(services: Services): (ctx: Context) => Promise<void> {
  const authenticate = apiKeyAuth(services.apiKeys, adminAuthFailuresOf(services));
  const policy = describePolicy(globalPolicyPatchSchema);
  const applicationPolicy = describePolicy(applicationPolicySchema);
  return async function describeSession(ctx) {
    await authenticate(ctx, async () => {
      const key = ctx.state.apiKey as ApiKey;
      const grants = Object.fromEntries(
        AREAS.map((area) => [area, { read: allowed(key.role, area, 'read'), write: allowed(key.role, area, 'write') }]),
      );
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        apiKey: { id: key.id, name: key.name, role: key.role },
        grants,
        policySchema: policy,
        applicationPolicySchema: applicationPolicy,
      };
    });
  };
}
