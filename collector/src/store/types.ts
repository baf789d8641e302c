import type { DeviceIdentity, Identifiers, Platform } from '@devtrust/shared/identity';
import type { Report } from '@devtrust/shared/protocol';

/** Domain types the repositories return; rows never leave the store layer. */

export const ROLES = ['owner', 'admin', 'app-manager', 'read-only'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface Verdict {
  verdict: 'trusted' | 'untrusted';
  access: 'allow' | 'deny';
  reasons: string[];
}

export interface Endpoint {
  id: string;
  publicKey: string;
  enrolledAt: number;
  lastSeenAt: number;
  lastSeq: number;
  platform: Platform | null;
  hostname: string | null;
  identifiers: Identifiers;
  report: Report | null;
  blocked: boolean;
  /** Null: never needed. See docs/enrollment-and-posture.md for the approval flow. */
  approval: EndpointApproval | null;
  /** The identifiers this endpoint claims that another enrolled endpoint held first. */
  approvalClaims: IdentifierClaim[];
  lastUser: string | null;
  lastVerdict: (Verdict & { at: number; transactionId: string }) | null;
}

export const APPROVAL_STATES = ['pending', 'approved', 'denied'] as const;
export type EndpointApproval = (typeof APPROVAL_STATES)[number];

/** An identifier value an endpoint reports that another endpoint (heldBy) held before it. */
export interface IdentifierClaim {
  kind: 'hardwareUuid' | 'serialNumber' | 'machineGuid' | 'macAddress';
  value: string;
  heldBy: string[];
}

export const ACTIVATION_MODES = ['disabled', 'test-groups', 'all-users'] as const;
export type ActivationMode = (typeof ACTIVATION_MODES)[number];
export type IntegrationCategory = 'mdm' | 'edr';

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

/** One device as an inventory source describes it, identifiers already normalised. */
export interface InventoryRecord {
  externalId?: string | null;
  hardwareUuid?: string | null;
  serialNumber?: string | null;
  machineGuid?: string | null;
  macAddresses?: string[];
  deviceName?: string | null;
  platform?: Platform | null;
  owner?: string | null;
  managed?: boolean | null;
  edr?: {
    connectorId?: string | null;
    status: 'compromised' | 'clean' | 'unknown';
    detail?: string | null;
    seenAt?: number | null;
  } | null;
  /** Posture as the vendor reports it; a field null or absent: the vendor does not say. */
  posture?: VendorPosture | null;
  raw?: Record<string, unknown>;
}

export interface VendorPosture {
  diskEncryption?: boolean | null;
  firewall?: boolean | null;
  /** A dotted version ("10.0.22631.3447", "14.4.1"); vendor text that is not one is left out. */
  osVersion?: string | null;
}

export interface StoredInventoryRecord extends InventoryRecord {
  id: string;
  integrationId: string;
}

export type SyncStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';
export interface SyncRun {
  id: string;
  integrationId: string;
  status: SyncStatus;
  trigger: 'manual' | 'schedule' | 'upload';
  startedAt: number;
  finishedAt: number | null;
  pages: number;
  devices: number;
  error: string | null;
  node: string | null;
}

export type TrustedEndpointsMode = 'allow-all' | 'require-trusted';
/** Minimum OS versions per platform ("10.0.19045", "14.0"); a platform absent has none. */
export interface MinOsVersions {
  windows?: string;
  macos?: string;
}
/** The rules a verdict applies; see policy/decide.ts for how they combine. */
export interface Policy {
  trustedEndpoints: TrustedEndpointsMode;
  blockCompromised: boolean;
  /** What require-trusted does with a trusted device whose EDR status is unknown (default allow). */
  edrUnknown: 'allow' | 'deny';
  requireDiskEncryption: boolean;
  requireFirewall: boolean;
  minOsVersion: MinOsVersions;
}

export interface Application {
  id: string;
  name: string;
  clientId: string;
  redirectUris: string[];
  /** Overrides of the global policy; absent keys inherit it. */
  policy: Partial<Policy>;
  createdAt: number;
  updatedAt: number;
}

export interface User {
  username: string;
  groups: string[];
  createdAt: number;
  updatedAt: number;
}

export type TransactionState = 'pending' | 'decided' | 'expired';
export interface Transaction {
  id: string;
  applicationId: string;
  username: string;
  createdAt: number;
  expiresAt: number;
  state: TransactionState;
  verdict: Verdict | null;
  endpointId: string | null;
  decidedAt: number | null;
}

/**
 * attested: an agent attested the device. unattested: no agent answered and the application
 * completed the sign-in. abandoned: no agent answered and nothing completed it — anyone can
 * start one under any name, so it says nothing about that user and is kept out of view.
 */
export type AuthLogOutcome = 'attested' | 'unattested' | 'abandoned';

export interface AuthLogEntry extends Verdict {
  id: number;
  outcome: AuthLogOutcome;
  at: number;
  transactionId: string | null;
  applicationId: string | null;
  applicationName: string | null;
  username: string | null;
  endpointId: string | null;
}

export type { DeviceIdentity };
