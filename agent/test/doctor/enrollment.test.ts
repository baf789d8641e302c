import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { diagnoseEnrollment, formatEnrollment } from '@devtrust/agent/doctor/enrollment';
import type { AgentState } from '@devtrust/agent/link/state';
import { runBin } from '../../../test/support/bin.js';
import { describeUnless } from '../../../test/support/skip.js';

const OLD = 'http://trust.example.com:8700';
const NEW = 'https://trust.example.com';
const enrolled: AgentState = { collectorUrl: OLD, endpointId: 'ep_01MOVE', lastSeq: 4 };
const config = (previousCollectorUrls: string[] = [], collectorUrl: string | null = NEW) => ({
  dataDir: '/var/lib/devtrust',
  collectorUrl,
  previousCollectorUrls,
  // None set is no problem, only an agent not set up yet (doctor/command.ts configOf).
  problem: null,
});

describe('doctor: the configured collector beside the stored enrollment', () => {
  it('warns before a URL change makes the device enroll again, and names the setting that would move it', () => {
    const d = diagnoseEnrollment(enrolled, config());
    assert.equal(d.next, 'reenroll');
    const text = formatEnrollment(d);
    assert.match(text, /^Collector: https:\/\/trust\.example\.com$/m);
    assert.match(
      text,
      /enrolled as ep_01MOVE with http:\/\/trust\.example\.com:8700: at its next start the agent enrolls again with a new device key,/,
    );
    assert.match(text, /the new endpoint waits until an admin releases this one/);
    assert.match(text, /list http:\/\/trust\.example\.com:8700 in previousCollectorUrls/);
  });

  it('a --collector flag naming another collector, without --re-enroll: says the run is refused and names both flags', () => {
    const d = diagnoseEnrollment(enrolled, { ...config(), keepOtherEnrollment: true });
    assert.equal(d.next, 'refuse');
    assert.equal('keepOtherEnrollment' in d, false, 'not part of the JSON report');
    const text = formatEnrollment(d);
    assert.match(
      text,
      /enrolled as ep_01MOVE with http:\/\/trust\.example\.com:8700: run with --collector https:\/\/trust\.example\.com, the agent refuses \(exit 2\) and changes nothing/,
    );
    assert.match(text, /--previous-collector-url http:\/\/trust\.example\.com:8700 moves this enrollment there/);
    assert.match(text, /--re-enroll replaces it/);
    // The flags that let the run go on: a declared earlier URL moves, --re-enroll (false here) enrolls again.
    assert.equal(diagnoseEnrollment(enrolled, { ...config([OLD]), keepOtherEnrollment: true }).next, 'move');
    assert.equal(diagnoseEnrollment(enrolled, { ...config(), keepOtherEnrollment: false }).next, 'reenroll');
  });

  it('shows the way back of a rolled-back move (docs/agent.md: rolling a move back): the old URL again, no list', () => {
    const back = diagnoseEnrollment(
      { ...enrolled, collectorUrl: NEW, movedFrom: { collectorUrl: OLD, at: '2026-12-01T00:00:00.000Z' } },
      config([], OLD),
    );
    assert.equal(back.next, 'move');
    const text = formatEnrollment(back);
    assert.ok(text.includes(`  enrolled as ep_01MOVE with ${NEW}: the agent moves this enrollment to ${OLD} at its next start\n`), text);
    assert.ok(text.includes(`  moved from ${OLD} on 2026-12-01T00:00:00.000Z\n`), text);
  });

  it('says the next start moves it when the old URL is listed, and shows a move already made', () => {
    const planned = diagnoseEnrollment(enrolled, config([OLD]));
    assert.equal(planned.next, 'move');
    assert.match(formatEnrollment(planned), /the agent moves this enrollment to https:\/\/trust\.example\.com at its next start/);
    const moved = diagnoseEnrollment(
      { ...enrolled, collectorUrl: NEW, movedFrom: { collectorUrl: OLD, at: '2026-12-01T00:00:00.000Z' } },
      config([OLD]),
    );
    assert.equal(moved.next, 'keep');
    assert.equal(
      formatEnrollment(moved),
      [
        'Collector: https://trust.example.com',
        '  earlier URLs of it (previousCollectorUrls): http://trust.example.com:8700',
        '  enrolled as ep_01MOVE',
        '  moved from http://trust.example.com:8700 on 2026-12-01T00:00:00.000Z',
        '  state in /var/lib/devtrust',
        '',
      ].join('\n'),
    );
  });

  it('shows what the agent would warn about its settings: a dropped managed entry, an ignored list', () => {
    const text = formatEnrollment(
      diagnoseEnrollment(enrolled, {
        ...config([OLD]),
        warnings: ['managed previousCollectorUrls: "old.example.com" is not a URL; entry ignored'],
      }),
    );
    assert.match(text, /^ {2}warning: managed previousCollectorUrls: "old\.example\.com" is not a URL; entry ignored$/m);
  });

  it("prints a hand-edited state.json's escape sequences and bidirectional overrides as code points, not to the terminal", () => {
    const hostile: AgentState = {
      collectorUrl: 'http://old.example.com\u001b[2J\u001b]0;owned\u0007',
      endpointId: 'ep_\u202eKCATTA\u001b[8m',
      lastSeq: 1,
      movedFrom: { collectorUrl: 'http://older.example.com\u009b31m', at: '2026-12-01T00:00:00.000Z' },
    };
    const text = formatEnrollment(diagnoseEnrollment(hostile, config()));
    assert.doesNotMatch(text.replaceAll('\n', ''), /[\p{Cc}\p{Cf}]/u);
    assert.match(text, /enrolled as ep_\\u\{202e\}KCATTA\\u\{1b\}\[8m with http:\/\/old\.example\.com\\u\{1b\}\[2J/);
    assert.match(text, /moved from http:\/\/older\.example\.com\\u\{9b\}31m on/);
  });

  it('another spelling of the same URL keeps the enrollment; no enrollment, no collector', () => {
    assert.equal(diagnoseEnrollment({ ...enrolled, collectorUrl: 'HTTPS://Trust.Example.com:443' }, config()).next, 'keep');
    const none = diagnoseEnrollment({ collectorUrl: null, endpointId: null, lastSeq: 0 }, config());
    assert.equal(none.next, 'enroll');
    assert.match(formatEnrollment(none), /not enrolled: the agent enrolls with the enrollment key at its next start/);
    const unset = diagnoseEnrollment(enrolled, config([], null));
    assert.equal(unset.next, 'unknown');
    assert.match(
      formatEnrollment(unset),
      /\nEnrolled as ep_01MOVE with http:\/\/trust\.example\.com:8700, but the agent does not start without a collector URL: set it to http:\/\/trust\.example\.com:8700 again .* to keep this enrollment\.\n$/,
    );
  });

  it('no collector URL and no enrollment: a device not set up yet, and its last line says so and what to do', () => {
    const text = formatEnrollment(diagnoseEnrollment({ collectorUrl: null, endpointId: null, lastSeq: 0 }, config([], null)));
    assert.equal(
      text,
      [
        'Collector: none set yet',
        '  state in /var/lib/devtrust',
        'Not enrolled yet: set the collector URL and the enrollment key (--collector URL --enrollment-key-file FILE, the DEVTRUST_AGENT_COLLECTOR_URL and DEVTRUST_AGENT_ENROLLMENT_KEY_FILE variables, or managed settings, as the README\'s "Trust this machine" shows); the agent enrolls at its next start.',
        '',
      ].join('\n'),
    );
    assert.doesNotMatch(text, /would not start|problem|fail/i);
  });
});

describeUnless(process.platform !== 'linux' && 'doctor reads this machine only on Linux in CI')(
  'devtrust-agent doctor, enrollment section',
  () => {
    it('reads the collector as the agent does and the state of its data directory', async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'devtrust-doctor-'));
      writeFileSync(path.join(dataDir, 'state.json'), JSON.stringify(enrolled));
      const env = { DEVTRUST_AGENT_COLLECTOR_URL: '', DEVTRUST_AGENT_PREVIOUS_COLLECTOR_URLS: '', DEVTRUST_AGENT_DATA_DIR: '' };
      // A headless agent given --collector NEW refuses to replace the enrollment; with --re-enroll it enrolls again.
      const refuse = await runBin('devtrust-agent', ['doctor', '--collector', NEW, '--data-dir', dataDir], { env, timeoutMs: 60_000 });
      assert.equal(refuse.code, 0, refuse.stderr);
      assert.match(refuse.stdout, /the agent refuses \(exit 2\) and changes nothing/);
      const reenroll = await runBin('devtrust-agent', ['doctor', '--collector', NEW, '--re-enroll', '--data-dir', dataDir], {
        env,
        timeoutMs: 60_000,
      });
      assert.equal(reenroll.code, 0, reenroll.stderr);
      assert.match(reenroll.stdout, /the agent enrolls again with a new device key/);
      const move = await runBin('devtrust-agent', ['doctor', '--json', '--collector', NEW, '--data-dir', dataDir], {
        env: { ...env, DEVTRUST_AGENT_PREVIOUS_COLLECTOR_URLS: OLD },
        timeoutMs: 60_000,
      });
      assert.equal(move.code, 0, move.stderr);
      const { enrollment } = JSON.parse(move.stdout) as { enrollment: { next: string; enrolled: unknown; dataDir: string } };
      assert.deepEqual(enrollment.enrolled, { collectorUrl: OLD, endpointId: 'ep_01MOVE' });
      assert.equal(enrollment.next, 'move');
      assert.equal(enrollment.dataDir, dataDir);
      // A bad argument is a bad command line, as for the agent: its one line, and exit 2.
      const badArgs = ['--collector', NEW, '--previous-collector-url', 'https://old.example.com/console', '--data-dir', dataDir];
      const bad = await runBin('devtrust-agent', ['doctor', ...badArgs], { env, timeoutMs: 60_000 });
      assert.equal(bad.code, 2, bad.stderr);
      assert.equal(bad.stdout, '');
      const agent = await runBin('devtrust-agent', [...badArgs, '--once'], { env });
      assert.equal(agent.code, 2, agent.stderr);
      const problem = '--previous-collector-url: "https://old.example.com/console" is not a collector\'s address';
      assert.ok(agent.stderr.startsWith(`devtrust-agent: ${problem}`), agent.stderr);
      assert.equal(bad.stderr, agent.stderr.replace('devtrust-agent: ', 'devtrust-agent doctor: '));

      // A refused setting of the config file is what doctor reports (exit 0), naming the file.
      const file = path.join(dataDir, 'agent.json');
      writeFileSync(file, JSON.stringify({ collectorUrl: NEW, previousCollectorUrls: OLD }));
      const fromFile = await runBin('devtrust-agent', ['doctor', '--config', file, '--data-dir', dataDir], { env, timeoutMs: 60_000 });
      assert.equal(fromFile.code, 0, fromFile.stderr);
      assert.match(
        fromFile.stdout,
        new RegExp(`^Collector: the agent would not start: previousCollectorUrls in ${file}: must be a list of URLs$`, 'm'),
      );
      assert.match(fromFile.stdout, new RegExp(`state in ${dataDir}`));

      // No collector URL anywhere (README, "Trust this machine", runs doctor first): exit 0, and
      // the last line is the state and what to do, not a failure.
      const fresh = mkdtempSync(path.join(tmpdir(), 'devtrust-doctor-'));
      const unset = await runBin('devtrust-agent', ['doctor', '--data-dir', fresh], { env, timeoutMs: 60_000 });
      assert.equal(unset.code, 0, unset.stderr);
      const last = unset.stdout.trimEnd().split('\n').at(-1) ?? '';
      assert.match(last, /^Not enrolled yet: set the collector URL and the enrollment key \(--collector URL --enrollment-key-file FILE, /);
      assert.doesNotMatch(unset.stdout, /would not start/);
    });
  },
);
