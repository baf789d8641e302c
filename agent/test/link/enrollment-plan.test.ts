import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { collectorAddress, sameCollector } from '@devtrust/agent/config/collector-url';
import { planEnrollment, stateAfter } from '@devtrust/agent/link/enrollment-plan';
import { StateFile, type AgentState } from '@devtrust/agent/link/state';

const enrolled = (collectorUrl: string | null): AgentState => ({ collectorUrl, endpointId: 'ep_1', lastSeq: 7, keyKind: 'software' });

describe('which collector a URL reaches', () => {
  const same: Array<[string, string]> = [
    ['http://Host:80/', 'http://host'],
    ['HTTP://TRUST.example.com', 'http://trust.example.com/'],
    ['https://trust.example.com:443', 'https://trust.example.com'],
    ['http://trust.example.com:8700/devtrust', 'http://trust.example.com:8700'],
    ['http://[::1]:8700', 'http://[0:0:0:0:0:0:0:1]:8700'],
  ];
  const different: Array<[string, string]> = [
    ['http://trust.example.com', 'https://trust.example.com'],
    ['http://trust.example.com:8700', 'http://trust.example.com:8701'],
    ['http://trust.example.com', 'http://trust.example.com:8080'],
    ['https://trust.example.com', 'https://trust.example.org'],
  ];
  for (const [a, b] of same) it(`${a} and ${b} are one collector`, () => assert.ok(sameCollector(a, b) && sameCollector(b, a)));
  for (const [a, b] of different) it(`${a} and ${b} are two`, () => assert.ok(!sameCollector(a, b)));

  it('text that is not an http(s) URL reaches no collector, not even itself', () => {
    assert.equal(collectorAddress('not a url'), null);
    assert.equal(collectorAddress('ftp://trust.example.com'), null);
    assert.equal(sameCollector('not a url', 'not a url'), false);
    assert.equal(sameCollector(null, null), false);
  });
});

describe('the enrollment plan at start', () => {
  it('another spelling of the same URL keeps the enrollment (it used to re-enroll)', () => {
    const plan = planEnrollment(enrolled('http://Host:80'), 'http://host', []);
    assert.deepEqual(plan, { kind: 'keep' });
    const state = stateAfter(plan, enrolled('http://Host:80'), 'http://host', new Date());
    assert.deepEqual(state, { ...enrolled('http://host') });
  });

  it('a URL listed in previousCollectorUrls (in any spelling) moves it: endpoint, key kind and sequence kept', () => {
    const stored = enrolled('http://Trust.example.com:8700');
    const plan = planEnrollment(stored, 'https://trust.example.com', ['https://other.example.com', 'http://trust.example.com:8700']);
    assert.deepEqual(plan, { kind: 'move', from: 'http://Trust.example.com:8700' });
    const at = new Date('2026-12-01T00:00:00Z');
    assert.deepEqual(stateAfter(plan, stored, 'https://trust.example.com', at), {
      collectorUrl: 'https://trust.example.com',
      endpointId: 'ep_1',
      lastSeq: 7,
      keyKind: 'software',
      movedFrom: { collectorUrl: 'http://Trust.example.com:8700', at: '2026-12-01T00:00:00.000Z' },
    });
  });

  it('back to the URL it moved from (a move rolled back) moves it back, without a list; no further back than that', () => {
    const at = new Date('2026-12-01T01:00:00Z');
    const moved: AgentState = {
      ...enrolled('https://trust.example.com'),
      movedFrom: { collectorUrl: 'http://trust.example.com:8700', at: '2026-12-01T00:00:00.000Z' },
    };
    const plan = planEnrollment(moved, 'http://Trust.example.com:8700/', []);
    assert.deepEqual(plan, { kind: 'move', from: 'https://trust.example.com' });
    assert.deepEqual(stateAfter(plan, moved, 'http://Trust.example.com:8700', at), {
      ...enrolled('http://Trust.example.com:8700'),
      movedFrom: { collectorUrl: 'https://trust.example.com', at: '2026-12-01T01:00:00.000Z' },
    });
    // Only the URL it came from: any other one still enrolls again.
    assert.equal(planEnrollment(moved, 'http://trust.example.com:8701', []).kind, 'reenroll');
  });

  it('any other URL change re-enrolls, as before', () => {
    for (const previous of [[], ['https://trust.example.com:8700'], ['http://trust.example.com:8701']]) {
      const plan = planEnrollment(enrolled('http://trust.example.com:8700'), 'https://trust.example.com', previous);
      assert.deepEqual(plan, { kind: 'reenroll', from: 'http://trust.example.com:8700' });
      assert.deepEqual(stateAfter(plan, enrolled('http://trust.example.com:8700'), 'https://trust.example.com', new Date()), {
        collectorUrl: 'https://trust.example.com',
        endpointId: null,
        lastSeq: 0,
      });
    }
  });

  it('an enrollment that does not say whose it is is never presented; no enrollment is nothing to plan', () => {
    assert.deepEqual(planEnrollment(enrolled(null), 'https://trust.example.com', ['https://trust.example.com']), {
      kind: 'reenroll',
      from: null,
    });
    const none: AgentState = { collectorUrl: 'https://old.example.com', endpointId: null, lastSeq: 3 };
    assert.deepEqual(planEnrollment(none, 'https://trust.example.com', []), { kind: 'keep' });
    assert.deepEqual(stateAfter({ kind: 'keep' }, none, 'https://trust.example.com', new Date()), {
      collectorUrl: 'https://trust.example.com',
      endpointId: null,
      lastSeq: 0,
    });
  });

  it('state.json keeps where an enrollment moved from, and ignores a malformed record of it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devtrust-state-'));
    const file = new StateFile(dir);
    const moved = {
      ...enrolled('https://trust.example.com'),
      movedFrom: { collectorUrl: 'http://old:8700', at: '2026-12-01T00:00:00.000Z' },
    };
    await file.save(moved);
    assert.deepEqual(await file.load(), moved);
    assert.match(readFileSync(path.join(dir, 'state.json'), 'utf8'), /"movedFrom"/);
    await file.save({ ...enrolled('https://trust.example.com'), movedFrom: { collectorUrl: 5 } as never });
    assert.equal((await file.load()).movedFrom, undefined);
    // Hand-edited: it would let a move go back there, and doctor and the tray show it.
    for (const movedFrom of [
      { collectorUrl: 'javascript:alert(1)', at: '2026-12-01T00:00:00.000Z' },
      { collectorUrl: 'http://old:8700\u001b[2J\u001b]0;pwned\u0007', at: '2026-12-01T00:00:00.000Z' },
      { collectorUrl: 'http://old:8700/\u202egnp.exe', at: '2026-12-01T00:00:00.000Z' },
      { collectorUrl: `http://old:8700/${'a'.repeat(4096)}`, at: '2026-12-01T00:00:00.000Z' },
      { collectorUrl: 'http://old:8700', at: 'yesterday\u001b[2J' },
    ]) {
      await file.save({ ...enrolled('https://trust.example.com'), movedFrom });
      assert.equal((await file.load()).movedFrom, undefined, JSON.stringify(movedFrom));
    }
  });
});
