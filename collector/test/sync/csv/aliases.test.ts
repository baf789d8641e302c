import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { columnOf } from '@devtrust/collector/sync/csv/columns';
import { parseCsvInventory } from '@devtrust/collector/sync/csv/parse';
import type { SourceDevice } from '@devtrust/collector/sync/source';

async function parse(text: string): Promise<{ devices: SourceDevice[]; ignored: string[] }> {
  const ignored: string[] = [];
  const devices: SourceDevice[] = [];
  for await (const page of parseCsvInventory(text, { ignoredColumns: ignored })) devices.push(...page);
  return { devices, ignored };
}

describe('CSV headers from MDM exports', () => {
  it("maps the vendors' column names to DevTrust columns", () => {
    const table: [string, string | null][] = [
      ['Serial Number', 'serial_number'], // Jamf Pro, Workspace ONE, Kandji, MobileIron
      ['Serial number', 'serial_number'], // Intune
      ['SerialNumber', 'serial_number'],
      ['UDID', 'hardware_uuid'],
      ['Computer Name', 'device_name'],
      ['Friendly Name', 'device_name'],
      ['Device name', 'device_name'],
      ['Wi-Fi MAC', 'mac_addresses'],
      ['Ethernet MAC', 'mac_addresses'],
      ['MAC Address', 'mac_addresses'],
      ['Primary user UPN', 'owner'],
      ['Operating System', 'platform'],
      ['OS version', null],
      ['Model', null],
    ];
    for (const [header, column] of table) assert.equal(columnOf(header), column, header);
  });

  it('a header or platform named like an Object property is an unused column or an unknown OS (the upload was refused: Object.prototype was read)', async () => {
    for (const header of ['constructor', '__proto__', 'Constructor', 'hasOwnProperty']) assert.equal(columnOf(header), null, header);
    const { devices, ignored } = await parse('Serial Number,Constructor,__proto__\nA1,x,y\n');
    assert.deepEqual(ignored, ['Constructor', '__proto__']);
    assert.deepEqual(
      devices.map((d) => d.serialNumber),
      ['A1'],
    );
    for (const os of ['constructor', '__proto__'])
      await assert.rejects(parse(`Serial Number,OS\nA1,${os}\n`), new RegExp(`platform "${os}" is not one of`));
  });

  it('reads OS names with versions as platforms, and still refuses an unknown OS', async () => {
    const { devices } = await parse('Serial Number,OS\nA1,macOS 14.2.1\nA2,Windows 11 Enterprise\nA3,iPadOS 17.1\nA4,Mac OS X 10.15\n');
    assert.deepEqual(
      devices.map((d) => d.platform),
      ['macos', 'windows', 'ios', 'macos'],
    );
    await assert.rejects(parse('Serial Number,OS\nA1,Windowsphone\n'), /platform "Windowsphone" is not one of/);
  });

  it('reads a Linux distribution, with or without its version, as linux (a file holding "Ubuntu 22.04" was refused whole)', async () => {
    const distributions = [
      'Ubuntu 22.04',
      'Ubuntu',
      'Ubuntu 22.04.3 LTS',
      'Debian GNU/Linux 12 (bookworm)',
      'debian',
      'Fedora Linux 39',
      'Red Hat Enterprise Linux 9.3',
      'RedHat 8',
      'RHEL 9',
      'CentOS Stream 9',
      'CentOS7',
      'Rocky Linux 9.3',
      'AlmaLinux 9.3',
      'SUSE Linux Enterprise Server 15 SP5',
      'SLES 15',
      'openSUSE Leap 15.5',
      'opensuse-tumbleweed',
      'Arch Linux',
      'Arch',
      'Linux Mint 21.2',
      'Pop!_OS 22.04',
      'Amazon Linux 2023',
      'Oracle Linux Server 8.9',
      'Kali GNU/Linux Rolling',
    ];
    const csv = `Serial Number,OS\n${distributions.map((os, i) => `L${i},"${os}"`).join('\n')}\n`;
    const { devices } = await parse(csv);
    assert.deepEqual(
      devices.map((d) => d.platform),
      distributions.map(() => 'linux'),
    );
    // Words that only begin like a distribution, and ChromeOS, are not Linux machines here.
    for (const os of ['ChromeOS Flex', 'Archive', 'Debianish', 'Mint'])
      await assert.rejects(parse(`Serial Number,OS\nA1,${os}\n`), new RegExp(`platform "${os}" is not one of`));
    // A distribution's name that also names another platform is Linux under Windows or on a phone: refused, not guessed.
    for (const os of [
      'Ubuntu (WSL) on Windows 11',
      'redhat-windows',
      'Red Hat Enterprise Linux for Windows',
      'Ubuntu Touch',
      'Debian (Android)',
    ])
      await assert.rejects(parse(`Serial Number,OS\nA1,"${os}"\n`), new RegExp(`platform "${os.replace(/[()]/g, '\\$&')}" is not one of`));
  });

  it('quotes a refused platform cell as display text: escape sequences and bidi overrides are shown, never sent', async () => {
    const cell = 'Ubuntu\u001b]0;PWN\u0007\u001b[2J\u202e 22';
    const refusal = await parse(`Serial Number,OS\nA1,${cell}\n`).then(
      () => null,
      (error: Error) => error.message,
    );
    assert.ok(refusal, 'refused');
    assert.ok(![...refusal].some((ch) => (ch.codePointAt(0) as number) < 0x20 || ch === '\u007f' || ch === '\u202e'), refusal);
    assert.match(refusal, /platform "Ubuntu<U\+001B>\]0;PWN<U\+0007><U\+001B>\[2J<U\+202E> 22" is not one of/);
  });

  it('skips what it does not use and says which; a row needs an identifier in some identifier column', async () => {
    const { devices, ignored } = await parse(
      'Model,Wi-Fi MAC,Ethernet MAC,Compliance\nMBP,aa:bb:cc:00:00:01,,ok\nMBP,,aa:bb:cc:00:00:02,ok\n',
    );
    assert.deepEqual(ignored, ['Model', 'Compliance']);
    assert.deepEqual(
      devices.map((d) => d.macAddresses),
      [['aa:bb:cc:00:00:01'], ['aa:bb:cc:00:00:02']],
    );
    await assert.rejects(parse('Model,Wi-Fi MAC\nMBP,\n'), /line 2: the row has no identifier/);
    // A trailing comma (an unnamed column) is skipped and named as such.
    assert.deepEqual((await parse('Serial Number,\nA1,\n')).ignored, ['(unnamed)']);
  });
});
