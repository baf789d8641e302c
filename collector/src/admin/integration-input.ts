import { z } from 'zod';
import { displayText, PLATFORMS } from '@devtrust/shared/identity';
import { sourceKind, sourceKinds } from '../sync/registry.js';
import { ACTIVATION_MODES } from '../domain/integration.js';

export const scheduleSchema = z.strictObject({
  enabled: z.boolean().optional(),
  intervalMinutes: z.number().int().min(1).max(10_080).optional(),
  hourUtc: z.number().int().min(0).max(23).optional(),
});

const name = displayText(200);
const platforms = z.array(z.enum(PLATFORMS)).min(1).max(PLATFORMS.length);

export const createIntegrationSchema = z.strictObject({
  kind: z.string().refine((k) => sourceKind(k) !== undefined, { message: `must be one of ${sourceKinds().join(', ')}` }),
  name,
  platforms,
  config: z.record(z.string(), z.unknown()),
  schedule: scheduleSchema.nullable().optional(),
});

export const patchIntegrationSchema = z.strictObject({
  name: name.optional(),
  platforms: platforms.optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  schedule: scheduleSchema.nullable().optional(),
});

export const activationSchema = z
  .strictObject({ mode: z.enum(ACTIVATION_MODES), groups: z.array(displayText(200)).max(100).optional() })
  .refine((a) => a.mode !== 'test-groups' || (a.groups?.length ?? 0) > 0, {
    message: 'test-groups needs at least one group',
    path: ['groups'],
  });
