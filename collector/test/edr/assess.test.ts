import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { combine, judge, needsLookup, notAppliedReason, type EdrEvidence } from '@devtrust/collector/edr/assess';
import { freshnessBoundMs, freshnessOf } from '@devtrust/collector/edr/freshness';
import type { Integration } from '@devtrust/collector/domain/integration';
import type { StoredInventoryRecord } from '@devtrust/collector/domain/inventory';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;

const integration = (over: Partial<Integration> = {}): Integration => ({
  id: 'int_1',
  kind: 'cisco-secure-endpoint',
  category: 'edr',
  name: 'Secure Endpoint',
  platforms: ['windows', 'macos'],
  config: {},
  secretFields: ['apiKey'],
  activation: { mode: 'all-users', groups: [] },
  currentGeneration: 'g1',
  syncedAt: NOW - 2 * MIN,
  schedule: null,
  nextSyncAt: null,
  createdAt: 0,
  updatedAt: 0,
  ...over,
});

const record = (status: 'compromised' | 'clean' | 'unknown', over: Partial<StoredInventoryRecord> = {}): StoredInventoryRecord => ({
  id: `g1:${Math.random()}`,
  integrationId: 'int_1',
  edr: { connectorId: 'ABC', status, detail: `vendor says ${status}`, seenAt: NOW - 5 * MIN },
  ...over,
});

const evidence = (over: Partial<EdrEvidence> = {}): EdrEvidence => ({
  integration: integration(),
  syncedAt: NOW - 2 * MIN,
  freshnessMs: 15 * MIN,
  now: NOW,
  connectorId: 'abc',
  found: { by: 'connector ID', value: 'ABC', records: [record('clean')] },
  lookup: null,
  ...over,
});

describe('EDR freshness', () => {
  it('defaults to three sync intervals, follows the schedule, and honours freshnessMinutes', () => {
    assert.equal(freshnessBoundMs(integration(), 5), 15 * MIN);
    assert.equal(freshnessBoundMs(integration({ schedule: { intervalMinutes: 20 } }), 5), 60 * MIN);
    assert.equal(freshnessBoundMs(integration({ config: { freshnessMinutes: 7 } }), 5), 7 * MIN);
  });

  it('describes the age against the bound', () => {
    assert.deepEqual(freshnessOf(NOW - 4 * MIN, 15 * MIN, NOW), {
      fresh: true,
      description: 'synced 4 min ago, within the 15 min freshness bound',
    });
    assert.equal(freshnessOf(NOW - 125 * MIN, 15 * MIN, NOW).fresh, false);
    assert.match(freshnessOf(null, 15 * MIN, NOW).description, /never synced successfully/);
  });
});

describe('EDR judgement of one integration', () => {
  it('fresh synced data answers, naming the EDR, the record key and the age', () => {
    const j = judge(evidence({ found: { by: 'connector ID', value: 'ABC', records: [record('compromised')] } }));
    assert.equal(j.status, 'compromised');
    assert.match(
      j.reason,
      /^EDR "Secure Endpoint" \(cisco-secure-endpoint\): compromised \(vendor says compromised\), matched on connector ID ABC; synced 2 min ago/,
    );
    assert.equal(needsLookup(evidence()), false);
  });

  it('stale data needs a lookup; a successful lookup answers', () => {
    const stale = evidence({ syncedAt: NOW - 60 * MIN });
    assert.equal(needsLookup(stale), true);
    const j = judge({ ...stale, lookup: { outcome: 'found', device: { edr: { connectorId: 'abc', status: 'clean', detail: 'fine' } } } });
    assert.equal(j.status, 'clean');
    assert.match(
      j.reason,
      /clean \(fine\) for connector abc, looked up just now; synced data last synced 1 h ago, beyond the 15 min freshness bound/,
    );
  });

  it('stale data and a failed lookup: unknown, never the stale "clean"', () => {
    const j = judge(
      evidence({
        syncedAt: NOW - 60 * MIN,
        lookup: { outcome: 'failed', message: 'cannot reach Cisco Secure Endpoint at 127.0.0.1:9: ECONNREFUSED' },
      }),
    );
    assert.equal(j.status, 'unknown');
    assert.match(
      j.reason,
      /last known clean is stale \(last synced 1 h ago, beyond the 15 min freshness bound\) and the on-demand lookup of connector abc failed: cannot reach/,
    );
  });

  it('a connector missing from a fresh sync is looked up; not known → unknown', () => {
    const missing = evidence({ found: null });
    assert.equal(needsLookup(missing), true);
    const j = judge({ ...missing, lookup: { outcome: 'not-found' } });
    assert.equal(j.status, 'unknown');
    assert.match(j.reason, /no record of connector abc .*cisco-secure-endpoint does not know connector abc/);
  });

  it('without a connector ID: serial number records answer when fresh; nothing to look up otherwise', () => {
    const bySerial = evidence({ connectorId: null, found: { by: 'serial number', value: 'PF2ABC', records: [record('clean')] } });
    assert.equal(needsLookup(bySerial), false);
    assert.match(judge(bySerial).reason, /matched on serial number PF2ABC/);
    const none = evidence({ connectorId: null, found: null });
    assert.equal(needsLookup(none), false);
    assert.match(judge(none).reason, /unknown — the agent reports no connector and no record holds its serial number/);
  });

  it('several records for one key: compromised if any is, else unknown', () => {
    const two = (a: 'clean' | 'compromised') =>
      evidence({ found: { by: 'serial number', value: 'S1', records: [record('clean'), record(a)] } });
    assert.equal(judge(two('compromised')).status, 'compromised');
    const j = judge(two('clean'));
    assert.equal(j.status, 'unknown');
    assert.match(j.reason, /2 records hold serial number S1, so none is used to call the device clean/);
  });

  it('says when the agent reports the connector is not running', () => {
    assert.match(judge(evidence({ connectorRunning: false })).reason, /the agent reports the connector is not running/);
  });
});

describe('EDR assessment across integrations', () => {
  it('an integration applies only when active for the user and covering the platform', () => {
    const view = (mode: 'disabled' | 'all-users', inactiveReason: string | null) => ({
      integration: integration({ activation: { mode, groups: [] } }),
      inactiveReason,
      matchMacAddresses: false,
    });
    assert.equal(notAppliedReason(view('all-users', null), 'windows'), null);
    assert.match(notAppliedReason(view('all-users', null), 'linux') as string, /does not cover linux/);
    assert.match(
      notAppliedReason(view('disabled', 'the integration is disabled'), 'windows') as string,
      /not applied: the integration is disabled/,
    );
  });

  it('compromised wins, then clean, then unknown; none when nothing applies', () => {
    const j = (status: 'compromised' | 'clean' | 'unknown') => ({ status, reason: status });
    assert.equal(combine([j('clean'), j('compromised')], []).status, 'compromised');
    assert.equal(combine([j('unknown'), j('clean')], []).status, 'clean');
    assert.equal(combine([j('unknown')], []).status, 'unknown');
    const none = combine([], ['EDR "X" (crowdstrike) not applied: the integration is disabled']);
    assert.equal(none.status, 'none');
    assert.deepEqual(none.reasons, [
      'EDR: no EDR integration applies to this user and device',
      'EDR "X" (crowdstrike) not applied: the integration is disabled',
    ]);
  });
});
