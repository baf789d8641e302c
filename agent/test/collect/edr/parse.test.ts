import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import {
  colonFields,
  parseAmpcliStatus,
  parseCiscoLocalXml,
  parseFalconctlAid,
  parseFalconctlStats,
  parseMdatpHealth,
  parseSentinelAgentId,
  parseSentinelRunning,
} from '../../../src/collect/edr/parse.js';
import { FIXTURES } from '../fixture-host.js';

const fixture = (os: string, machine: string, file: string) => readFileSync(path.join(FIXTURES, os, machine, file), 'utf8');

describe('EDR parsers', () => {
  it('Cisco local.xml: /config/agent/uuid, else <agent_guid>', () => {
    const cases: Array<[string, string | null]> = [
      [fixture('windows', 'dell-latitude-7420', 'cisco-local.xml'), 'f2c1a9b4-8e3d-4c71-9a5b-6d0e2f7c8b13'],
      [fixture('macos', 'macbook-pro-m1', 'cisco-local.xml'), '0b7e4c2a-5d19-4f83-a6c1-9e2d8f3b7a05'],
      ['<config><agent_guid>AB12</agent_guid></config>', 'AB12'],
      ['<cfg:config><cfg:agent id="1"><cfg:uuid> 1234-ABCD </cfg:uuid></cfg:agent></cfg:config>', '1234-ABCD'],
      // A uuid elsewhere (a policy's) is not the connector's.
      ['<config><policy><uuid>not-mine</uuid></policy><agent></agent></config>', null],
      ['<config></config>', null],
    ];
    for (const [xml, want] of cases) assert.equal(parseCiscoLocalXml(xml), want, xml.slice(0, 60));
  });

  it('ampcli status', () => {
    assert.deepEqual(parseAmpcliStatus(fixture('macos', 'macbook-pro-m1', 'ampcli-status.txt')), { status: 'Connected', connected: true });
    assert.deepEqual(parseAmpcliStatus('Status:    Disconnected\n'), { status: 'Disconnected', connected: false });
    assert.deepEqual(parseAmpcliStatus(''), { status: null, connected: null });
  });

  it('falconctl stats agent_info (macOS) and -g --aid (Linux)', () => {
    assert.deepEqual(parseFalconctlStats(fixture('macos', 'macbook-pro-m1', 'falconctl-stats-agent_info.txt')), {
      agentId: '2F8D4A1C-6B3E-4F70-9A21-C5D8E7F60B43',
      customerId: '6A1B2C3D-4E5F-4071-8293-A4B5C6D7E8F9',
      version: '7.10.17706.0',
      operational: true,
    });
    assert.equal(parseFalconctlStats('=== agent_info ===\nSensor operational: false\n').operational, false);
    const aids: Array<[string, { aid: string | null; notSet: boolean }]> = [
      ['aid="44e3b7d20b434a2bb2815d9808fa3a8b".\n', { aid: '44e3b7d20b434a2bb2815d9808fa3a8b', notSet: false }],
      ['aid is not set.\n', { aid: null, notSet: true }],
      ['Error: this program must be run as root\n', { aid: null, notSet: false }],
    ];
    for (const [text, want] of aids) assert.deepEqual(parseFalconctlAid(text), want, text);
  });

  it('mdatp health: quoted strings unquoted, bare values kept', () => {
    const health = parseMdatpHealth(fixture('macos', 'macbook-pro-m1', 'mdatp-health.txt'));
    assert.equal(health.get('healthy'), 'true');
    assert.equal(health.get('org_id'), '2b7c4d1e-9f3a-4c5b-8e6d-7a0f1b2c3d4e');
    assert.equal(health.get('edr_machine_id'), '4d6f8a1b2c3e5f7a9b0c1d2e3f4a5b6c7d8e9f01');
    assert.equal(health.get('product_expiration'), 'Jun 04, 2025 at 11:59:59 PM');
    assert.equal(parseMdatpHealth(fixture('macos', 'vm-placeholders', 'mdatp-health.txt')).get('edr_machine_id'), '');
  });

  it('SentinelOne agent UUID and state, Windows, macOS and Linux wordings', () => {
    const ids: Array<[string, string | null]> = [
      [fixture('windows', 'virtualbox-vm', 'sentinelctl-agent_id.txt'), 'ff819e70af13be381993075eb0ce5f2f'],
      [fixture('macos', 'vm-placeholders', 'sentinelctl-status.txt'), '3F2A9C1D-7B4E-4E21-9A3C-5D6E7F8A9B0C'],
      ['UUID: 2c8a6f3e91d04b7a8e5f1c2d3b4a5968\n', '2c8a6f3e91d04b7a8e5f1c2d3b4a5968'],
      ['Monitor Build id: 22.2.3.6268+abc123-Release.x64\n', null],
      ['', null],
    ];
    for (const [text, want] of ids) assert.equal(parseSentinelAgentId(text), want, text.slice(0, 40));
    const states: Array<[string, boolean | null]> = [
      [fixture('macos', 'vm-placeholders', 'sentinelctl-status.txt'), true],
      ['Disable State: Not disabled by the user\r\nSentinelMonitor is loaded\r\nSentinelAgent is loaded\r\n', true],
      ['SentinelAgent is not loaded\r\n', false],
      ['Agent state Enabled\n', true],
      ['  Protection:         disabled\n', false],
      ['nothing useful', null],
    ];
    for (const [text, want] of states) assert.equal(parseSentinelRunning(text), want, text.slice(0, 40));
  });

  it('colon fields: keys lower-cased, first occurrence wins', () => {
    assert.deepEqual(
      [...colonFields('A: 1\nB :2\na: 3\nno colon\n')],
      [
        ['a', '1'],
        ['b', '2'],
      ],
    );
  });
});
