import type { Platform } from '@devtrust/shared/identity';
import { IDENTIFIER_KINDS, normalizeIdentifier } from '../domain/identifiers.js';
import type { ActivationMode, Integration, IntegrationPatch, SyncSchedule } from '../domain/integration.js';
import type { StoredInventoryRecord } from '../domain/inventory.js';
import type { SyncRun } from '../domain/sync-run.js';
import { AppError, badRequest, notFound } from '../errors.js';
import type { Store } from '../store/store.js';
import { parseCsvInventory } from '../sync/csv/parse.js';
import type { SyncEngine } from '../sync/engine.js';
import { sourceKind } from '../sync/registry.js';
import { nextSyncAt } from '../sync/schedule.js';
import { sealSecrets, unsealSecrets } from '../sync/secrets.js';
import type { SourceDevice, SourceKind, TestResult } from '../sync/source.js';
import type { Logger } from 'pino';
import type { ApiKey } from '../domain/api-key.js';
import { changedHostFields, checkPlatforms, requireSecretsWithHostChange, splitConfig } from './integration-config.js';

/** An integration as the admin API shows it: secrets by name only, with its inventory size and last run. */
export interface IntegrationSummary extends Omit<Integration, 'secretFields' | 'currentGeneration'> {
  secretsSet: string[];
  devices: number;
  lastSync: SyncRun | null;
}

export interface IntegrationInput {
  kind: string;
  name: string;
  platforms: Platform[];
  config: Record<string, unknown>;
  schedule?: SyncSchedule | null | undefined;
}

/**
 * Inventory integrations: their configuration (secret fields sealed with the master key,
 * bound to the integration and field, and never returned), schedules, syncs, CSV uploads
 * and look-ups of one identifier in an inventory.
 */
export class IntegrationService {
  constructor(
    private readonly store: Store,
    private readonly engine: SyncEngine,
    private readonly masterKey: Buffer,
    private readonly log: Logger,
  ) {}

  async summary(integration: Integration): Promise<IntegrationSummary> {
    const [lastSync] = await this.store.syncRuns.list(integration.id, 1);
    const { secretFields, currentGeneration: _generation, ...rest } = integration;
    return { ...rest, secretsSet: secretFields, devices: await this.store.inventory.count(integration.id), lastSync: lastSync ?? null };
  }

  async list(): Promise<Integration[]> {
    return this.store.integrations.list();
  }

  /** The integration and its kind; 404 when there is none. */
  async load(id: string): Promise<{ integration: Integration; kind: SourceKind }> {
    const integration = await this.store.integrations.get(id);
    if (!integration) throw notFound('integration');
    return { integration, kind: sourceKind(integration.kind) as SourceKind };
  }

  /** The next scheduled run of a kind on this schedule (none for uploaded inventories). */
  private nextRun(kind: SourceKind, schedule: SyncSchedule | null): number | null {
    return !kind.capabilities.sync ? null : nextSyncAt(schedule, kind.defaultIntervalMinutes, Date.now());
  }

  async create(input: IntegrationInput): Promise<Integration> {
    const kind = sourceKind(input.kind) as SourceKind;
    checkPlatforms(kind, input.platforms);
    const { publicConfig, secrets } = splitConfig(kind, input.config);
    const id = this.store.integrations.newId();
    const schedule = input.schedule ?? null;
    return this.store.integrations.create(id, {
      kind: kind.kind,
      category: kind.category,
      name: input.name,
      platforms: input.platforms,
      config: publicConfig,
      sealedSecrets: sealSecrets(this.masterKey, id, secrets),
      schedule,
      nextSyncAt: this.nextRun(kind, schedule),
    });
  }

  /** `actor` is the API key making the change: a host change is logged with it. */
  async update(id: string, input: Partial<Omit<IntegrationInput, 'kind'>>, actor: ApiKey): Promise<Integration> {
    const { integration, kind } = await this.load(id);
    if (input.platforms) checkPlatforms(kind, input.platforms);
    const patch: IntegrationPatch = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.platforms !== undefined) patch.platforms = input.platforms;
    if (input.config !== undefined) {
      // Secrets are write-only: a PATCH that omits them keeps the stored ones.
      // A field set to null is cleared (e.g. switching Workspace ONE from Basic to OAuth).
      const current = unsealSecrets(this.masterKey, integration.id, await this.store.integrations.sealedSecrets(integration.id));
      const merged = Object.fromEntries(
        Object.entries({ ...integration.config, ...current, ...input.config }).filter(([, v]) => v !== null),
      );
      const { publicConfig, secrets } = splitConfig(kind, merged);
      // Stored credentials never follow a host change on their own (they could be sent to
      // a host of the caller's choosing): the same request must give them again.
      const hostFields = changedHostFields(kind, integration.config, input.config);
      requireSecretsWithHostChange(hostFields, Object.keys(secrets), input.config);
      patch.config = publicConfig;
      patch.sealedSecrets = sealSecrets(this.masterKey, integration.id, secrets);
      if (hostFields.length > 0) {
        this.log.warn(
          {
            integrationId: integration.id,
            kind: integration.kind,
            fields: hostFields,
            from: Object.fromEntries(hostFields.map((f) => [f, integration.config[f] ?? null])),
            to: Object.fromEntries(hostFields.map((f) => [f, publicConfig[f] ?? null])),
            apiKeyId: actor.id,
            apiKeyName: actor.name,
          },
          'integration host changed; credentials were given again',
        );
      }
    }
    if (input.schedule !== undefined) {
      patch.schedule = input.schedule;
      patch.nextSyncAt = this.nextRun(kind, input.schedule);
    }
    return (await this.store.integrations.update(integration.id, patch)) as Integration;
  }

  delete(id: string): Promise<boolean> {
    return this.store.integrations.delete(id);
  }

  async setActivation(id: string, mode: ActivationMode, groups: string[]): Promise<Integration> {
    const { integration } = await this.load(id);
    return (await this.store.integrations.setActivation(
      integration.id,
      mode,
      mode === 'test-groups' ? [...new Set(groups)] : [],
    )) as Integration;
  }

  async test(id: string): Promise<TestResult> {
    await this.load(id);
    return this.engine.test(id);
  }

  async startSync(id: string): Promise<SyncRun> {
    const { integration, kind } = await this.load(id);
    if (!kind.capabilities.sync)
      throw badRequest('NOT_SYNCABLE', 'a CSV inventory is uploaded with PUT /admin/v1/integrations/:id/inventory');
    return this.engine.startRun(integration.id, 'manual');
  }

  /** Stops the integration's running sync or upload; the last good inventory stays. */
  async cancelSync(id: string, actor: ApiKey): Promise<SyncRun> {
    const { integration } = await this.load(id);
    const run = await this.engine.cancel(integration.id);
    this.log.info({ integrationId: integration.id, syncId: run.id, apiKeyId: actor.id, apiKeyName: actor.name }, 'sync cancel asked');
    return run;
  }

  /** One run of this integration, with its progress while it runs. */
  async syncRun(id: string, syncId: string): Promise<SyncRun> {
    await this.load(id);
    const run = await this.store.syncRuns.get(syncId);
    if (!run || run.integrationId !== id) throw notFound('sync');
    return run;
  }

  async syncs(id: string): Promise<SyncRun[]> {
    await this.load(id);
    return this.store.syncRuns.list(id);
  }

  /** Checks that this integration takes uploads, before its body is read. */
  async requireUploadable(id: string): Promise<Integration> {
    const { integration, kind } = await this.load(id);
    if (!kind.capabilities.upload)
      throw badRequest('NOT_UPLOADABLE', `a ${integration.kind} inventory is synced from the vendor, not uploaded`);
    return integration;
  }

  /**
   * Replaces an uploaded inventory with this file's rows, read as they stream in (the old
   * inventory stays live until the last row is stored). `warnings` name what was stored but
   * will never match (rows for a platform the integration does not cover).
   */
  async upload(
    integration: Integration,
    csv: string | AsyncIterable<string>,
    options: { allowEmpty: boolean },
  ): Promise<{ run: SyncRun; warnings: string[] }> {
    const uncovered = new Map<string, number>();
    const pages = countUncovered(parseCsvInventory(csv, options), integration.platforms, uncovered);
    const run = await this.engine.ingest(integration.id, pages);
    if (run.status === 'cancelled')
      throw new AppError(409, 'UPLOAD_CANCELLED', 'the upload was cancelled; the previous inventory is unchanged');
    if (run.status !== 'succeeded') throw new AppError(500, 'UPLOAD_FAILED', run.error ?? 'the upload failed');
    return { run, warnings: uncoveredWarnings(uncovered) };
  }

  /** The record of this integration's inventory holding an identifier, whatever its kind (or as an EDR connector ID). */
  async findRecord(integration: Integration, raw: string): Promise<StoredInventoryRecord | null> {
    const { inventory } = this.store;
    for (const kind of IDENTIFIER_KINDS) {
      const value = normalizeIdentifier(kind, raw);
      if (value === null) continue;
      const records = await inventory.findByIdentifier(kind, value, [integration.id]);
      if (records[0]) return records[0];
    }
    const connector = normalizeIdentifier('hardwareUuid', raw);
    return connector ? ((await inventory.findByConnectorId(connector, [integration.id]))[0] ?? null) : null;
  }

  /** A record as the admin API shows it: without its ids, with its MAC addresses. */
  async describeRecord(record: StoredInventoryRecord): Promise<Record<string, unknown>> {
    const { id: _id, integrationId: _integration, ...rest } = record;
    return { ...rest, macAddresses: await this.store.inventory.macsOf(record.id) };
  }
}

/**
 * Counts the rows for a platform the integration does not cover, on their way to the store:
 * they are kept (the admin may add the platform later) but never match, so the upload says so.
 */
async function* countUncovered(
  pages: AsyncIterable<SourceDevice[]>,
  platforms: readonly Platform[],
  counts: Map<string, number>,
): AsyncGenerator<SourceDevice[]> {
  for await (const page of pages) {
    for (const device of page) {
      if (device.platform && !platforms.includes(device.platform)) counts.set(device.platform, (counts.get(device.platform) ?? 0) + 1);
    }
    yield page;
  }
}

function uncoveredWarnings(counts: Map<string, number>): string[] {
  return [...counts].map(
    ([platform, rows]) =>
      `${rows} ${rows === 1 ? 'row is' : 'rows are'} for ${platform}, which this integration does not cover: they never match until ${platform} is added to its platforms`,
  );
}
