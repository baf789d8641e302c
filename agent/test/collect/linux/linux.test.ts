import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { describeUnless, itUnless } from '../../../../test/support/skip.js';
import { fileURLToPath } from 'node:url';
import { deviceIdentitySchema, postureSchema } from '@devtrust/shared/identity';
import type { ExecResult } from '../../../src/platform/exec.js';
import type { FileAccess } from '../../../src/collect/host.js';
import { collectDevice } from '../../../src/collect/index.js';
import { parseOsRelease, parseRootMount } from '../../../src/collect/linux/parse.js';
import { PROBE_NAMES, type Collected } from '../../../src/collect/probe.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const isLinux = process.platform === 'linux';

/** Every probe shows up once: as a value in the report or as a reason. */
function assertEveryProbeAccountedFor(collected: Collected): void {
  const { identity, posture, probeErrors } = collected;
  const where: Record<string, unknown> = { ...identity, ...posture };
  for (const name of PROBE_NAMES) {
    const present = name === 'edr' ? identity.edr !== undefined : where[name] !== undefined;
    assert.ok(present !== name in probeErrors, `${name}: ${present ? 'value' : 'no value'} and ${name in probeErrors ? 'a' : 'no'} reason`);
  }
}

describeUnless(!isLinux && 'not Linux')('Linux collector on this machine', () => {
  it('collects for real: hostname, OS version, and a reason for everything it cannot read', async () => {
    const collected = await collectDevice();
    const { identity, posture } = collected;
    assert.equal(identity.platform, 'linux');
    assert.equal(identity.hostname, hostname());
    const release = parseOsRelease(readFileSync('/etc/os-release', 'utf8'));
    assert.equal(identity.osVersion, release.get('VERSION_ID'));
    assert.equal(posture.osBuild, readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim());
    // Every reported MAC belongs to a real interface of this machine.
    const addresses = readdirSync('/sys/class/net').map((nic) => readFileSync(`/sys/class/net/${nic}/address`, 'utf8').trim());
    for (const mac of identity.macAddresses ?? []) assert.ok(addresses.includes(mac), mac);
    assert.equal(identity.machineGuid, undefined, 'MachineGuid is Windows-only; /etc/machine-id is not reported');
    assertEveryProbeAccountedFor(collected);
    deviceIdentitySchema.parse(identity);
    postureSchema.parse(posture);
  });

  itUnless(process.getuid?.() !== 0 && 'needs root to switch to nobody')(
    'works as an unprivileged user, naming root-only values instead of failing',
    () => {
      const script =
        "const { collectDevice } = await import('./agent/src/collect/index.ts'); process.stdout.write(JSON.stringify(await collectDevice()));";
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=devtrust-src', '--input-type=module', '-e', script], {
        cwd: root,
        uid: 65534,
        gid: 65534,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(child.status, 0, child.stderr);
      const collected = JSON.parse(child.stdout) as Collected;
      assert.equal(collected.identity.hostname, hostname());
      assertEveryProbeAccountedFor(collected);
      for (const probe of ['hardwareUuid', 'serialNumber'] as const) {
        if (collected.identity[probe] === undefined)
          assert.match(collected.probeErrors[probe] ?? '', /needs root|no DMI table|empty/, probe);
      }
    },
  );
});

/** A fake /sys and /proc: files with content, directories with entries, symlinks with targets. */
function fakeFiles(spec: {
  files?: Record<string, string>;
  denied?: string[];
  dirs?: Record<string, string[]>;
  links?: Record<string, string>;
}): FileAccess {
  const { files = {}, denied = [], dirs = {}, links = {} } = spec;
  return {
    async readText(file) {
      if (denied.includes(file)) return { ok: false, kind: 'denied', reason: `${file} is readable by root only (needs root)` };
      return file in files ? { ok: true, value: files[file] as string } : { ok: false, kind: 'missing', reason: `${file} does not exist` };
    },
    async listDir(dir) {
      return dir in dirs ? { ok: true, value: dirs[dir] as string[] } : { ok: false, kind: 'missing', reason: `${dir} does not exist` };
    },
    async exists(file) {
      return file in files || file in dirs || file in links || denied.includes(file);
    },
    async realpath(file) {
      return file in links ? { ok: true, value: links[file] as string } : { ok: false, kind: 'missing', reason: `${file} does not exist` };
    },
  };
}

const collectWith = (files: FileAccess) =>
  collectDevice({
    platform: 'linux',
    files,
    osHostname: () => 'ws-042',
    runner: async (name) => ({ ok: false, kind: 'not-installed', reason: `${name} is not installed` }),
  });

describe('Linux probes over a fake sysfs', () => {
  it('names root-only DMI values and reports the readable ones', async () => {
    const { identity, probeErrors } = await collectWith(
      fakeFiles({ files: { '/sys/class/dmi/id/product_serial': 'PF3ABC12\n' }, denied: ['/sys/class/dmi/id/product_uuid'] }),
    );
    assert.equal(identity.serialNumber, 'PF3ABC12');
    assert.match(probeErrors.hardwareUuid ?? '', /needs root/);
  });

  it('keeps physical NICs only: bus device, not random, not virtual', async () => {
    const nic = (name: string, address: string, aat: string, device = true) => ({
      [`/sys/class/net/${name}/type`]: '1\n',
      [`/sys/class/net/${name}/addr_assign_type`]: `${aat}\n`,
      [`/sys/class/net/${name}/address`]: `${address}\n`,
      ...(device ? { [`/sys/class/net/${name}/device`]: '' } : {}),
    });
    const files = {
      ...nic('enp3s0', '3c:52:82:11:22:33', '0'),
      ...nic('wlp2s0', '4e:1a:2b:3c:4d:5e', '3'), // NetworkManager's random Wi-Fi address
      ...nic('docker0', '02:42:ac:11:00:02', '3', false),
      ...nic('lo', '00:00:00:00:00:00', '0', false),
    };
    const { identity } = await collectWith(fakeFiles({ files, dirs: { '/sys/class/net': ['enp3s0', 'wlp2s0', 'docker0', 'lo'] } }));
    assert.deepEqual(identity.macAddresses, ['3c:52:82:11:22:33']);
  });

  it('finds LUKS under LVM under the root filesystem', async () => {
    const mountinfo = '22 27 0:21 / /proc rw - proc proc rw\n27 1 253:1 / / rw,relatime - ext4 /dev/mapper/vg-root rw\n';
    const files = {
      '/proc/self/mountinfo': mountinfo,
      '/sys/devices/virtual/block/dm-1/dm/uuid': 'LVM-abc\n',
      '/sys/devices/virtual/block/dm-0/dm/uuid': 'CRYPT-LUKS2-1f2e3d-luks\n',
    };
    const links = {
      '/sys/dev/block/253:1': '/sys/devices/virtual/block/dm-1',
      '/sys/devices/virtual/block/dm-1/slaves/dm-0': '/sys/devices/virtual/block/dm-0',
    };
    const dirs = { '/sys/devices/virtual/block/dm-1/slaves': ['dm-0'], '/sys/devices/virtual/block/dm-0/slaves': ['nvme0n1p3'] };
    assert.equal((await collectWith(fakeFiles({ files, links, dirs }))).posture.diskEncryption, true);
    const plain = { '/proc/self/mountinfo': '27 1 259:3 / / rw - ext4 /dev/nvme0n1p3 rw\n' };
    const plainLinks = { '/sys/dev/block/259:3': '/sys/devices/pci0000:00/nvme/nvme0/nvme0n1/nvme0n1p3' };
    assert.equal((await collectWith(fakeFiles({ files: plain, links: plainLinks }))).posture.diskEncryption, false);
  });

  it('says it cannot tell on an overlay root (a container)', async () => {
    const { posture, probeErrors } = await collectWith(
      fakeFiles({ files: { '/proc/self/mountinfo': '600 500 0:52 / / rw - overlay overlay rw,lowerdir=/a\n' } }),
    );
    assert.equal(posture.diskEncryption, undefined);
    assert.match(probeErrors.diskEncryption ?? '', /overlay/);
  });

  it('finds EDR connectors from their files, CLIs and running daemons, as root and as a user', async () => {
    const files = fakeFiles({
      files: {
        '/opt/cisco/amp/etc/local.xml': '<config><agent><uuid>7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f</uuid></agent></config>',
        '/proc/101/comm': 'ampdaemon\n',
        '/proc/202/comm': 'falcond\n',
        '/opt/CrowdStrike': '',
      },
      dirs: { '/proc': ['101', '202', 'self', 'sys'] },
    });
    const answers: Record<string, ExecResult> = {
      // As a user, /opt/CrowdStrike (0750) cannot be entered, so falconctl cannot start.
      'falconctl -g --aid': { ok: false, kind: 'failed', reason: 'permission denied running /opt/CrowdStrike/falconctl' },
      'ampcli status': { ok: true, code: 0, stdout: 'Status:              Connected\nMode:                Audit\n', stderr: '' },
      // An mdatp release without the JSON form: the text form answers.
      'mdatp health --output json': { ok: true, code: 1, stdout: '', stderr: 'Invalid option: --output\n' },
      'mdatp health': {
        ok: true,
        code: 0,
        stdout:
          'healthy : true\norg_id : "2b7c4d1e-9f3a-4c5b-8e6d-7a0f1b2c3d4e"\nedr_machine_id : "94cb840531fd5d9f8031cd26317eed0c72b08d7e"\n',
        stderr: '',
      },
    };
    const { identity, probeErrors } = await collectDevice({
      platform: 'linux',
      files,
      osHostname: () => 'ws-042',
      runner: async (name, args) =>
        answers[[name, ...args].join(' ')] ?? { ok: false, kind: 'not-installed', reason: `${name} is not installed` },
    });
    assert.deepEqual(identity.edr, [
      {
        vendor: 'cisco-secure-endpoint',
        installed: true,
        running: true,
        connectorId: '7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
        details: { status: 'Connected' },
      },
      { vendor: 'crowdstrike', installed: true, running: true },
      {
        vendor: 'defender',
        installed: true,
        running: true,
        connectorId: '94cb840531fd5d9f8031cd26317eed0c72b08d7e',
        details: { orgId: '2b7c4d1e-9f3a-4c5b-8e6d-7a0f1b2c3d4e', healthy: true },
      },
    ]);
    assert.match(probeErrors['edr.crowdstrike'] ?? '', /permission denied/);
    // As root, falconctl answers with the AID.
    answers['falconctl -g --aid'] = { ok: true, code: 0, stdout: 'aid="44e3b7d20b434a2bb2815d9808fa3a8b".\n', stderr: '' };
    const asRoot = await collectDevice({
      platform: 'linux',
      files,
      runner: async (name, args) => answers[[name, ...args].join(' ')] ?? { ok: false, kind: 'not-installed', reason: 'absent' },
    });
    assert.equal(asRoot.identity.edr?.find((c) => c.vendor === 'crowdstrike')?.connectorId, '44e3b7d20b434a2bb2815d9808fa3a8b');
  });

  it('parses os-release and mountinfo', () => {
    const release = parseOsRelease('PRETTY_NAME="Ubuntu 22.04.4 LTS"\nVERSION_ID="22.04"\nID=ubuntu\n# comment\nNAME=\'Ubuntu\'\n');
    assert.equal(release.get('VERSION_ID'), '22.04');
    assert.equal(release.get('NAME'), 'Ubuntu');
    assert.deepEqual(parseRootMount('27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n31 27 0:40 / / rw - overlay overlay rw\n'), {
      majorMinor: '0:40',
      source: 'overlay',
      fsType: 'overlay',
    });
    assert.equal(parseRootMount('22 27 0:21 / /proc rw - proc proc rw\n'), null);
  });
});
