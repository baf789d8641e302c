import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { usableIdentifier } from '@devtrust/shared/identity';
import { compareIdentity, formatReport, type DoctorReport } from '../../src/doctor/compare.js';
import { runBin } from '../../../test/support/bin.js';
import { describeUnless } from '../../../test/support/skip.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('doctor: disagreement logic over fixtures', () => {
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) {
    it(file.replace(/\.json$/, ''), () => {
      const fixture = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'));
      const report = compareIdentity(fixture.platform, fixture.collected, fixture.systeminformation, fixture.nodeMachineId);
      const { expected } = fixture;
      assert.deepEqual(Object.fromEntries(report.rows.map((row) => [row.field, row.status])), expected.status);
      assert.deepEqual(report.problems, expected.problems);
      assert.equal(report.matchOn ? `${report.matchOn.kind} ${report.matchOn.value}` : null, expected.matchOn);
      assert.deepEqual(
        report.fallbacks.map((f) => `${f.kind} ${f.value}`),
        expected.fallbacks,
      );
      // The text form shows every flag and says what the collector matches on.
      const text = formatReport(report);
      for (const row of report.rows) for (const flag of row.flags) assert.ok(text.includes(`! ${flag}`), flag);
      assert.match(
        text,
        report.matchOn ? new RegExp(`will match this device on its ${report.matchOn.label} ${report.matchOn.value}`) : /nothing to match/,
      );
    });
  }
});

// Independent readings of this machine, as the three sources read it, to check doctor against.
const require = createRequire(import.meta.url);
const machineIdFile = ['/var/lib/dbus/machine-id', '/etc/machine-id'].find((file) => existsSync(file));
const readDmi = (name: string): string | null => {
  try {
    return readFileSync(`/sys/class/dmi/id/${name}`, 'utf8').trim() || null;
  } catch {
    return null;
  }
};

describeUnless(process.platform !== 'linux' && 'doctor reads this machine only on Linux in CI')(
  'devtrust-agent doctor on this Linux machine',
  () => {
    it('--json: the agent, systeminformation and node-machine-id agree on what this machine has', async () => {
      const run = await runBin('devtrust-agent', ['doctor', '--json'], { timeoutMs: 60_000 });
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as DoctorReport;
      assert.equal(report.platform, 'linux');
      const row = (field: string) => report.rows.find((r) => r.field === field);

      // The agent's probe values are this machine's.
      assert.equal(row('hostname')?.agent, hostname());
      assert.equal(row('hardwareUuid')?.agent, readDmi('product_uuid'));
      // systeminformation's, read here in the test process, are the ones doctor shows.
      const si = require('systeminformation') as typeof import('systeminformation');
      const [system, os] = await Promise.all([si.system(), si.osInfo()]);
      assert.equal(row('hostname')?.systeminformation, os.fqdn && os.fqdn !== os.hostname ? `${os.hostname} (${os.fqdn})` : os.hostname);
      assert.equal(row('serialNumber')?.systeminformation, system.serial.trim() || null);
      assert.equal(row('hardwareUuid')?.systeminformation, system.uuid.trim() || null);
      // node-machine-id's original value is the machine-id file, unhashed.
      if (machineIdFile) assert.equal(report.nodeMachineId.value, readFileSync(machineIdFile, 'utf8').trim());
      assert.equal(report.nodeMachineId.comparedWith, null, 'on Linux it corresponds to no identity field');

      // Agreement: wherever the agent and systeminformation both have a usable hardware UUID or serial, it is one value.
      for (const field of ['hardwareUuid', 'serialNumber'] as const) {
        const r = row(field);
        const ours = typeof r?.agent === 'string' ? usableIdentifier(field, r.agent) : null;
        const theirs = typeof r?.systeminformation === 'string' ? usableIdentifier(field, r.systeminformation) : null;
        if (ours && theirs) assert.equal(ours, theirs, field);
        assert.equal(
          r?.status === 'differ',
          r?.flags.some((f) => f.startsWith('disagree') || f.startsWith('only')),
          field,
        );
      }
      assert.equal(row('hostname')?.status, 'agree');
      assert.equal(report.systeminformationError, undefined);
    });

    it('prints the comparison for IT support and what the collector will match on', async () => {
      const run = await runBin('devtrust-agent', ['doctor'], { timeoutMs: 60_000 });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^DevTrust agent doctor \(linux\)$/m);
      assert.match(run.stdout, new RegExp(`^hostname \\[ok\\]\\n  agent +${hostname()}$`, 'm'));
      assert.match(run.stdout, /^ {2}systeminformation {2}/m);
      assert.match(run.stdout, /^OS machine ID \[not matched\]\n {2}node-machine-id {4}[0-9a-f]{32}/m);
      assert.match(run.stdout, /^(The collector will match this device on its .+|The collector has nothing to match this device on: .+)$/m);
      assert.match(run.stdout, /^(No disagreements\.|\d+ to look at:)$/m);
    });

    it('refuses an unknown argument with exit code 2', async () => {
      const run = await runBin('devtrust-agent', ['doctor', '--bogus']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^devtrust-agent doctor: unknown flag --bogus/);
    });
  },
);
