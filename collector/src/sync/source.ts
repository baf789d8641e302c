import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Platform } from '@devtrust/shared/identity';
import type { IntegrationCategory } from '../domain/integration.js';
import type { VendorPosture } from '../domain/inventory.js';

/**
 * One device as a vendor lists it, mapped to raw identifier values. The sync engine
 * normalises identifiers and drops placeholders; a mapping only says which vendor field
 * carries which identifier (see each vendor's `map.ts`).
 */
export interface SourceDevice {
  externalId?: string | null;
  hardwareUuid?: string | null;
  serialNumber?: string | null;
  machineGuid?: string | null;
  macAddresses?: (string | null | undefined)[];
  /** The MDM's own device ID, as its managed-configuration variable fills it in (see MDM_DEVICE_ID_VARIABLES). */
  mdmDeviceId?: string | null;
  deviceName?: string | null;
  platform?: Platform | null;
  owner?: string | null;
  /** False when the MDM lists the device but no longer manages it (unenrolled, retired). */
  managed?: boolean | null;
  /** EDR sources: the connector/agent ID the endpoint agent reports, and its state. */
  edr?: {
    connectorId?: string | null;
    status: 'compromised' | 'clean' | 'unknown';
    detail?: string | null;
    /** When the vendor last heard from the connector (ms epoch). */
    seenAt?: number | null;
  } | null;
  /** Posture the vendor itself reports (disk encryption, OS version); used over the agent's. */
  posture?: VendorPosture | null;
  /** A few vendor fields worth showing an admin (model, OS, last check-in); small. */
  raw?: Record<string, unknown>;
}

export interface TestResult {
  ok: boolean;
  message: string;
}

export interface SourceContext {
  signal: AbortSignal;
  log: Logger;
}

/**
 * An inventory source: one vendor tenant. `pages()` streams the whole inventory page by
 * page (never all of it in memory); throwing from it fails the run and the last good
 * inventory stays. Auth, paging, rate limits and retries live in the vendor's client.
 */
export interface InventorySource {
  test(ctx: SourceContext): Promise<TestResult>;
  pages(ctx: SourceContext): AsyncIterable<SourceDevice[]>;
  /**
   * EDR sources: fetches the one device with this connector/agent ID (as the endpoint's
   * agent reported it) now, for a verdict whose synced data is stale; null when the
   * vendor does not know it. Throws a VendorError when the vendor cannot answer.
   */
  lookup?(connectorId: string, ctx: SourceContext): Promise<SourceDevice | null>;
}

/** What the sync engine gives a kind's `create`: a fetch to use instead of the global one (tests, timeouts). */
export interface SourceDeps {
  fetch?: typeof fetch;
}

/**
 * How a kind's inventory arrives: fetched from the vendor by the sync engine (on its
 * schedule or "Sync now"), or uploaded by an admin as a file (CSV). Routes, the engine and
 * the console ask these, never the kind's name.
 */
export interface KindCapabilities {
  sync: boolean;
  upload: boolean;
}

/** One field of a kind's `config` as a form shows it; secret and host-bearing come from the kind. */
export interface ConfigField {
  name: string;
  label: string;
  type: 'text' | 'url' | 'number' | 'boolean';
  optional?: boolean;
  /** What the collector uses when the field is left out. */
  default?: string | number | boolean;
  placeholder?: string;
  /** Tuning an admin rarely needs (page sizes, budgets): the API lists it, the console's form leaves it out. */
  advanced?: boolean;
}

/**
 * The kind's configuration form. `variants` are alternative ways to authenticate (Workspace
 * ONE: Basic or OAuth), each naming the fields it shows; the first is the default. Without
 * variants every field is shown.
 */
export interface KindForm {
  help?: string;
  fields: readonly ConfigField[];
  variants?: readonly { id: string; label: string; fields: readonly string[] }[];
}

/**
 * What each vendor folder exports, registered in `registry.ts`. `configSchema` validates
 * the whole `config` object of the admin API (strict: unknown fields refused);
 * `secretFields` names the fields that are sealed at rest and never returned.
 */
export interface SourceKind<Config extends Record<string, unknown> = Record<string, unknown>> {
  kind: string;
  category: IntegrationCategory;
  /** The kind as admins pick it in the console and the CLI ("Ivanti MobileIron Core"). */
  label: string;
  /** The vendor's name as admins know it, used in messages ("401 from Jamf: …"). */
  vendorName: string;
  capabilities: KindCapabilities;
  configSchema: z.ZodType<Config>;
  /** The config fields as a form shows them (GET /admin/v1/kinds); a test holds them to `configSchema`. */
  form: KindForm;
  secretFields: readonly (keyof Config & string)[];
  /**
   * Fields naming a host the credentials are sent to (base, login, token, Graph URLs).
   * Changing one requires the secrets again in the same request: otherwise an admin key
   * could point the stored, write-only credentials at a host it controls.
   */
  hostFields: readonly (keyof Config & string)[];
  /** Platforms an integration of this kind may cover. */
  platforms: readonly Platform[];
  /**
   * The platforms a new integration's form starts with ticked, where the vendor's inventory
   * holds one sensible answer with its default configuration (Jamf Pro lists Macs unless told
   * to list mobile devices). Left out: the admin decides, and forms start with none ticked,
   * since a platform ticked that the inventory does not hold lets that platform's devices be
   * judged against an inventory that can never list them.
   */
  defaultPlatforms?: readonly Platform[];
  /** Default schedule: MDM nightly, EDR every few minutes. */
  defaultIntervalMinutes: number | null;
  create(config: Config, deps: SourceDeps): InventorySource;
}

/** A registry entry of any config shape (the registry erases each vendor's Config type). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySourceKind = SourceKind<any>;
