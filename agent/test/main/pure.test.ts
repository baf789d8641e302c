import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { IPC_CHANNELS } from '@devtrust/agent/main/ipc-channels';
import { attestTxFromUrl, protocolUrlInArgv } from '@devtrust/agent/main/protocol-url';
import { toStatusView, untrustedDetail } from '@devtrust/agent/main/status-view';
import { trayMenu } from '@devtrust/agent/main/tray-menu';
import { sampleStatus } from './sample-status.js';

describe('devtrust:// URL parsing', () => {
  it('table', () => {
    const cases: Array<[unknown, string | null]> = [
      ['devtrust://attest?tx=tx_9QmY2', 'tx_9QmY2'],
      ['devtrust://attest/?tx=abc-DEF_123', 'abc-DEF_123'],
      ['DEVTRUST://ATTEST?tx=abc', 'abc'],
      [`devtrust://attest?tx=${'a'.repeat(64)}`, 'a'.repeat(64)],
      [`devtrust://attest?tx=${'a'.repeat(65)}`, null],
      ['devtrust://attest?tx=', null],
      ['devtrust://attest', null],
      ['devtrust://attest?tx=a%2Fb', null],
      ['devtrust://attest?tx=abc&next=https://evil.example', null],
      ['devtrust://attest?tx=abc&tx=def', null],
      ['devtrust://attest?tx=abc#frag', null],
      ['devtrust://user:pw@attest?tx=abc', null],
      ['devtrust://attest:8080?tx=abc', null],
      ['devtrust://attest/extra?tx=abc', null],
      ['devtrust://enroll?tx=abc', null],
      ['devtrust:attest?tx=abc', null],
      ['https://attest?tx=abc', null],
      ['devtrust://attest?tx=abc" --gpu-launcher=calc', null],
      [`devtrust://attest?tx=abc&${'x'.repeat(600)}`, null],
      [42, null],
      [null, null],
    ];
    for (const [input, expected] of cases) assert.equal(attestTxFromUrl(input), expected, String(input));
  });

  it('finds the link in argv', () => {
    assert.equal(protocolUrlInArgv(['DevTrust.exe', '--', 'devtrust://attest?tx=a']), 'devtrust://attest?tx=a');
    assert.equal(protocolUrlInArgv(['DevTrust.exe', '--hidden']), null);
  });
});

describe('status view and menu', () => {
  const context = { managed: {}, version: '0.1.0' };

  it('table: agent status → tray state', () => {
    const cases: Array<[Parameters<typeof sampleStatus>[0], string, string]> = [
      [{ lastVerdict: null }, 'connected', 'Connected to trust.example.com'],
      [{}, 'trusted', 'This device is trusted'],
      [{ link: 'connecting', lastVerdict: null }, 'attention', 'Connecting to trust.example.com…'],
      [{ link: 'offline' }, 'attention', 'Not connected to trust.example.com'],
      [{ link: 'refused', lastError: 'enrollment key refused' }, 'attention', 'Refused by your organization'],
      [
        { lastVerdict: { transactionId: 't', verdict: 'untrusted', access: 'deny', reasons: ['no match'], at: 'x' } },
        'attention',
        'This device was not trusted',
      ],
    ];
    for (const [overrides, state, headline] of cases) {
      const view = toStatusView(sampleStatus(overrides), context);
      assert.equal(view.state, state, JSON.stringify(overrides));
      assert.equal(view.headline, headline);
    }
  });

  it("an untrusted verdict's detail is its cause when that says why, else the decision", () => {
    const cases: Array<[string[], string | null]> = [
      // Under "summary": the decision, then the fixed reason the user can act on.
      [
        ['denied: policy require-trusted and the device is not trusted', 'untrusted: this device waits for your IT team: ask them'],
        'This device waits for your IT team: ask them',
      ],
      [['denied: policy require-trusted and the device is not trusted'], 'denied: policy require-trusted and the device is not trusted'],
      // A block's cause is a rule line: the decision says it better.
      [
        ['denied: an administrator blocked this endpoint', 'rule endpoint block: an administrator blocked this endpoint (fail)'],
        'denied: an administrator blocked this endpoint',
      ],
      [[], null],
    ];
    for (const [reasons, detail] of cases) {
      const lastVerdict = { transactionId: 't', verdict: 'untrusted' as const, access: 'deny' as const, reasons, at: 'x' };
      assert.equal(untrustedDetail(reasons), detail);
      assert.equal(toStatusView(sampleStatus({ lastVerdict }), context).detail, detail);
    }
  });

  it('says where a moved enrollment came from, and nothing when it was not moved', () => {
    const at = '2026-12-01T00:00:00.000Z';
    const moved = toStatusView(sampleStatus({ enrollmentMovedFrom: { collectorUrl: 'http://trust.example.com:8700', at } }), context);
    assert.deepEqual(moved.connection.movedFrom, { collector: 'http://trust.example.com:8700', at });
    assert.equal(moved.state, 'trusted');
    assert.equal(toStatusView(sampleStatus(), context).connection.movedFrom, null);
    assert.equal(toStatusView(null, context).connection.movedFrom, null);
  });

  it('posture problems need attention until a verdict says otherwise', () => {
    const status = sampleStatus({ lastVerdict: null });
    status.lastReport!.report.posture = { diskEncryption: false };
    const view = toStatusView(status, context);
    assert.equal(view.state, 'attention');
    assert.equal(view.detail, 'On this device disk encryption is off.');
  });

  it('menu: items per state, Quit only when allowed', () => {
    const actions = { showStatus: () => undefined, checkNow: () => undefined, openLogs: () => undefined, quit: () => undefined };
    const ids = (view: ReturnType<typeof toStatusView>) => trayMenu(view, actions).map((i) => i.id ?? i.type);
    assert.deepEqual(ids(toStatusView(sampleStatus(), context)), [
      'status',
      'separator',
      'show-status',
      'check-now',
      'open-logs',
      'separator',
      'quit',
    ]);
    assert.deepEqual(ids(toStatusView(sampleStatus({ link: 'offline', lastError: 'down' }), context)), [
      'status',
      'detail',
      'separator',
      'show-status',
      'check-now',
      'open-logs',
      'separator',
      'quit',
    ]);
    assert.deepEqual(ids(toStatusView(sampleStatus(), { ...context, managed: { disallowQuit: true } })), [
      'status',
      'separator',
      'show-status',
      'check-now',
      'open-logs',
    ]);
    assert.deepEqual(ids(toStatusView(null, { ...context, problem: 'no collector' })), [
      'status',
      'detail',
      'separator',
      'show-status',
      'check-now',
      'open-logs',
      'separator',
      'quit',
    ]);
  });
});

describe('preload', () => {
  it('repeats exactly the channels of main/ipc-channels.ts and exposes invoke wrappers only', () => {
    const preload = readFileSync(new URL('../../src/preload/index.cts', import.meta.url), 'utf8');
    for (const channel of Object.values(IPC_CHANNELS)) assert.ok(preload.includes(`'${channel}'`), channel);
    assert.equal((preload.match(/'devtrust:[a-z-]+'/g) ?? []).length, Object.keys(IPC_CHANNELS).length);
    assert.doesNotMatch(preload, /ipcRenderer\.send\(|exposeInMainWorld\([^)]*ipcRenderer\)/);
  });
});
