import type { Platform } from '@devtrust/shared/identity';
import { IDENTIFIER_KINDS, normalizeIdentifier } from '../domain/identifiers.js';
import { normalizeMdmDeviceId } from '@devtrust/shared/identity';
import {
  IntegrationNameTaken,
  type ActivationMode,
  type Integration,
  type IntegrationPatch,
  type SyncSchedule,
} from '../domain/integration.js';
import type { StoredInventoryRecord } from '../domain/inventory.js';
import type { SyncRun } from '../domain/sync-run.js';
import { AppError, badRequest, conflict, notFound } from '../errors.js';
import type { Store } from '../store/store.js';
import { CSV_COLUMNS } from '../sync/csv/columns.js';
import { parseCsvInventory } from '../sync/csv/parse.js';
import type { SyncEngine } from '../sync/engine.js';
import { sourceKind } from '../sync/registry.js';
import { nextSyncAt } from '../sync/schedule.js';
import type { SlotWait } from '../sync/slot-waits.js';
import { sealSecrets, unsealSecrets } from '../sync/secrets.js';
import type { SourceKind, TestResult } from '../sync/source.js';
import type { Logger } from 'pino';
import type { AdminActor } from '../domain/admin-log.js';
import { recordAdminAction } from './admin-log.js';
import { UploadWarnings } from './csv-upload-warnings.js';
import { changedHostFields, checkPlatforms, requireSecretsWithHostChange, splitConfig } from './integration-config.js';

/** An integration as the admin API shows it: secrets by name only, with its inventory size and last run. */
export interface IntegrationSummary extends Omit<Integration, 'secretFields' | 'currentGeneration'> {
  secretsSet: string[];
  devices: number;
  lastSync: SyncRun | null;
  /** Its due scheduled sync waits for a free slot (sync/slot-waits.ts), or null. */
  syncWaiting: SlotWait | null;
}

export interface IntegrationInput {
  kind: string;
  name: string;
  platforms: Platform[];
  config: Record<string, unknown>;
  schedule?: SyncSchedule | null | undefined;
}

/** 409 INTEGRATION_NAME_TAKEN: names are unique without regard to case. */
async function nameTakenAs409<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof IntegrationNameTaken) throw conflict('INTEGRATION_NAME_TAKEN', error.message);
    throw error;
  }
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
    return {
      ...rest,
      secretsSet: secretFields,
      devices: await this.store.inventory.count(integration.id),
      lastSync: lastSync ?? null,
      syncWaiting: this.engine.slotWait(integration.id),
    };
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

  async create(input: IntegrationInput, actor: AdminActor): Promise<Integration> {
    const kind = sourceKind(input.kind) as SourceKind;
    checkPlatforms(kind, input.platforms);
    const { publicConfig, secrets } = splitConfig(kind, input.config);
    const id = this.store.integrations.newId();
    const schedule = input.schedule ?? null;
    return nameTakenAs409(
      this.store.transaction(async (tx) => {
        const created = await tx.integrations.create(id, {
          kind: kind.kind,
          category: kind.category,
          name: input.name,
          platforms: input.platforms,
          config: publicConfig,
          sealedSecrets: sealSecrets(this.masterKey, id, secrets),
          schedule,
          nextSyncAt: this.nextRun(kind, schedule),
        });
        await recordAdminAction(tx, actor, { resourceType: 'integration', resourceId: id, action: 'create', after: created });
        return created;
      }),
    );
  }

  /** `actor` made the change: it is recorded in the admin log, and a host change is logged with it. */
  async update(id: string, input: Partial<Omit<IntegrationInput, 'kind'>>, actor: AdminActor): Promise<Integration> {
    const { integration, kind } = await this.load(id);
    if (input.platforms) checkPlatforms(kind, input.platforms);
    const patch: IntegrationPatch = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.platforms !== undefined) patch.platforms = input.platforms;
    let secretsChanged: string[] = [];
    if (input.config !== undefined) {
      // Secrets are write-only: a PATCH that omits them keeps the stored ones.
      // A field set to null is cleared (e.g. switching Workspace ONE from Basic to OAuth).
      const current = unsealSecrets(this.masterKey, integration.id, await this.store.integrations.sealedSecrets(integration.id));
      const merged = Object.fromEntries(
        Object.entries({ ...integration.config, ...current, ...input.config }).filter(([, v]) => v !== null),
      );
      const { publicConfig, secrets } = splitConfig(kind, merged);
      secretsChanged = changedSecretFields(kind.secretFields, current, input.config);
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
            apiKeyId: actor.keyId,
            apiKeyName: actor.keyName,
          },
          'integration host changed; credentials were given again',
        );
      }
    }
    if (input.schedule !== undefined) {
      patch.schedule = input.schedule;
      patch.nextSyncAt = this.nextRun(kind, input.schedule);
    }
    const write = this.store.transaction(async (tx) => {
      const updated = await tx.integrations.update(integration.id, patch);
      // Deleted since it was loaded: nothing changed, nothing to record.
      if (!updated) throw notFound('integration');
      // The secrets given a new value are recorded by name (`secretsGiven`), never their values,
      // and only when there are some: a rename changes no secret and must not read as if it did.
      const after = secretsChanged.length > 0 ? { ...updated, secretsGiven: secretsChanged } : updated;
      await recordAdminAction(tx, actor, {
        resourceType: 'integration',
        resourceId: integration.id,
        action: 'update',
        before: integration,
        after,
      });
      return updated;
    });
    return nameTakenAs409(write);
  }

  /**
   * Deletes an integration. The deletion runs in steps (a large inventory must not hold the
   * database in one transaction), so it is recorded once it is done.
   */
  async delete(id: string, actor: AdminActor): Promise<boolean> {
    const before = await this.store.integrations.get(id);
    if (!before || !(await this.store.integrations.delete(id))) return false;
    await recordAdminAction(this.store, actor, { resourceType: 'integration', resourceId: id, action: 'delete', before });
    return true;
  }

  async setActivation(id: string, mode: ActivationMode, groups: string[], actor: AdminActor): Promise<Integration> {
    const { integration } = await this.load(id);
    return this.store.transaction(async (tx) => {
      const after = await tx.integrations.setActivation(integration.id, mode, mode === 'test-groups' ? [...new Set(groups)] : []);
      if (!after) throw notFound('integration');
      await recordAdminAction(tx, actor, {
        resourceType: 'integration',
        resourceId: integration.id,
        action: 'activation',
        before: integration,
        after,
      });
      return after;
    });
  }

  async test(id: string): Promise<TestResult> {
    await this.load(id);
    return this.engine.test(id);
  }

  /**
   * Starts a sync now; the sync engine runs it apart, so it is recorded once started.
   * `allowEmpty`: the admin confirmed that this one run may empty the inventory, or remove more of
   * it than `maxInventoryDropPercent` allows (it still keeps the inventory if it fails or is cancelled);
   * `minDevices`: to no fewer devices than that (what the refused sync listed, which the admin saw).
   */
  async startSync(id: string, actor: AdminActor, options: { allowEmpty?: boolean; minDevices?: number } = {}): Promise<SyncRun> {
    const { integration, kind } = await this.load(id);
    if (!kind.capabilities.sync)
      throw badRequest(
        'NOT_SYNCABLE',
        'a CSV inventory is uploaded with PUT /admin/v1/integrations/:id/inventory (devtrustctl integration upload ID FILE)',
      );
    const run = await this.engine.startRun(integration.id, 'manual', options);
    if (run.allowEmpty)
      this.log.warn(
        { integrationId: integration.id, syncId: run.id, apiKeyId: actor.keyId, apiKeyName: actor.keyName },
        'sync started with allowEmpty: it may empty or shrink the inventory',
      );
    await recordAdminAction(this.store, actor, {
      resourceType: 'integration',
      resourceId: integration.id,
      action: 'sync',
      // The name, as every other integration entry has it, so the admin log names what was synced.
      after: {
        name: integration.name,
        ...runView(run),
        ...(run.allowEmpty && options.minDevices !== undefined ? { minDevices: options.minDevices } : {}),
      },
    });
    return run;
  }

  /** Stops the integration's running sync or upload; the last good inventory stays. */
  async cancelSync(id: string, actor: AdminActor): Promise<SyncRun> {
    const { integration } = await this.load(id);
    const run = await this.engine.cancel(integration.id);
    this.log.info({ integrationId: integration.id, syncId: run.id, apiKeyId: actor.keyId, apiKeyName: actor.keyName }, 'sync cancel asked');
    await recordAdminAction(this.store, actor, {
      resourceType: 'integration',
      resourceId: integration.id,
      action: 'cancel-sync',
      after: { name: integration.name, ...runView(run) },
    });
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
   * will never match and the columns skipped (csv-upload-warnings.ts).
   */
  async upload(
    integration: Integration,
    csv: string | AsyncIterable<string>,
    options: { allowEmpty: boolean },
    actor: AdminActor,
  ): Promise<{ run: SyncRun; warnings: string[] }> {
    const warnings = new UploadWarnings(integration);
    const pages = warnings.count(parseCsvInventory(csv, { ...options, ignoredColumns: warnings.ignoredColumns }));
    const run = await this.engine.ingest(integration.id, pages);
    // The inventory is stored in pages by the sync engine: recorded once it has run, whatever the
    // outcome, as what it was: a file of so many rows put into this (named) integration.
    await recordAdminAction(this.store, actor, {
      resourceType: 'integration',
      resourceId: integration.id,
      action: 'upload',
      after: { name: integration.name, rows: warnings.rows, allowEmpty: options.allowEmpty, ...runView(run) },
    });
    if (run.status === 'cancelled')
      throw new AppError(409, 'UPLOAD_CANCELLED', 'the upload was cancelled; the previous inventory is unchanged');
    if (run.status !== 'succeeded') throw new AppError(500, 'UPLOAD_FAILED', run.error ?? 'the upload failed');
    return { run, warnings: warnings.list() };
  }

  /**
   * The header of an inventory this integration takes, for admins to fill in: mac_addresses
   * only when the integration matches MAC addresses (otherwise the column would be read for
   * nothing). No example rows: a template uploaded by mistake is refused as empty.
   */
  async csvTemplate(id: string): Promise<string> {
    const integration = await this.requireUploadable(id);
    const macs = integration.config.matchMacAddresses === true;
    return `${CSV_COLUMNS.filter((c) => macs || c !== 'mac_addresses').join(',')}\r\n`;
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
    const byConnector = connector ? (await inventory.findByConnectorId(connector, [integration.id]))[0] : undefined;
    if (byConnector) return byConnector;
    // The MDM's own device ID (what {DeviceUid}, $DEVICE_UUID$, … fill in): phones have no other.
    const mdmDeviceId = normalizeMdmDeviceId(raw);
    return mdmDeviceId ? ((await inventory.findByMdmDeviceId(mdmDeviceId, [integration.id]))[0]?.record ?? null) : null;
  }

  /** A record as the admin API shows it: without its ids, with its MAC addresses. */
  async describeRecord(record: StoredInventoryRecord): Promise<Record<string, unknown>> {
    const { id: _id, integrationId: _integration, ...rest } = record;
    return { ...rest, macAddresses: await this.store.inventory.macsOf(record.id) };
  }
}

/** A sync run as the admin log records it. */
const runView = (run: SyncRun) => ({
  syncId: run.id,
  status: run.status,
  devices: run.devices,
  ...(run.allowEmpty ? { allowEmpty: true } : {}),
});

/** The secret fields an update gives a new value or clears (by name: the admin log never holds a value). */
function changedSecretFields(fields: readonly string[], stored: Record<string, string>, given: Record<string, unknown>): string[] {
  return fields.filter((f) => f in given && (given[f] ?? null) !== (stored[f] ?? null));
}
