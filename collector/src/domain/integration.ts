import { createHash } from 'node:crypto';
import type { Platform } from '@devtrust/shared/identity';

export const ACTIVATION_MODES = ['disabled', 'test-groups', 'all-users'] as const;
export type ActivationMode = (typeof ACTIVATION_MODES)[number];
export type IntegrationCategory = 'mdm' | 'edr';

/** An inventory source an admin configured: an MDM, an EDR or an uploaded CSV. */
export interface Integration {
  id: string;
  kind: string;
  category: IntegrationCategory;
  name: string;
  platforms: Platform[];
  /** The non-secret part of the vendor configuration (base URL, tenant, …). */
  config: Record<string, unknown>;
  /** Names of the secret fields that are set; their values never leave the store unsealed. */
  secretFields: string[];
  activation: { mode: ActivationMode; groups: string[] };
  currentGeneration: string | null;
  syncedAt: number | null;
  schedule: SyncSchedule | null;
  nextSyncAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface SyncSchedule {
  /** Minutes between runs; nightly when absent. */
  intervalMinutes?: number;
  /** Hour of day (UTC) for nightly runs; a jitter of up to an hour is added. */
  hourUtc?: number;
  enabled?: boolean;
}

export interface NewIntegration {
  kind: string;
  category: IntegrationCategory;
  name: string;
  platforms: Platform[];
  config: Record<string, unknown>;
  /** Sealed secret values by field name (see services/credentials.ts). */
  sealedSecrets: Record<string, string>;
  schedule: SyncSchedule | null;
  nextSyncAt: number | null;
}

export type IntegrationPatch = Partial<Pick<NewIntegration, 'name' | 'platforms' | 'config' | 'sealedSecrets' | 'schedule' | 'nextSyncAt'>>;

/**
 * What makes two integration names the same: case, Unicode compatibility forms and runs of
 * spaces do not count, so "Corporate laptops" and "CORPORATE  LAPTOPS" cannot both exist. The database holds
 * this key under a unique index: a SHA-256 of the folded name, as folding can lengthen a
 * 200-character name many times over (NFKC turns U+FDFA into 18 characters), past what an
 * index entry may hold.
 */
export function integrationNameKey(name: string): string {
  return createHash('sha256').update(name.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ')).digest('hex');
}

/** Another integration already has this name (compared by integrationNameKey). */
export class IntegrationNameTaken extends Error {
  constructor(readonly integrationName: string) {
    super(`an integration named "${integrationName}" already exists (names are compared without case)`);
    this.name = 'IntegrationNameTaken';
  }
}
