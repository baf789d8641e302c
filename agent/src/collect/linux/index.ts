import path from 'node:path';
import type { CollectHost } from '../host.js';
import { stableMacs } from '../mac.js';
import { found, missing, notApplicable, type ProbeResult, type ProbeSet } from '../probe.js';
import { linuxEdr } from './edr.js';
import { linuxMacCandidate, NON_BLOCK_FILESYSTEMS, parseOsRelease, parseRootMount, type NetInterface } from './parse.js';

const DMI = '/sys/class/dmi/id';

/** A DMI attribute. product_uuid and product_serial are root-only (0400) on most distributions. */
async function dmi(host: CollectHost, attribute: string): Promise<ProbeResult<string>> {
  const read = await host.readText(`${DMI}/${attribute}`);
  if (read.ok) return read.value.trim() ? found(read.value.trim()) : missing(`${DMI}/${attribute} is empty`);
  if (read.kind === 'missing') return missing(`no DMI table: ${DMI}/${attribute} does not exist (a VM or board without SMBIOS)`);
  return missing(read.reason);
}

async function osRelease(host: CollectHost): Promise<ProbeResult<Map<string, string>>> {
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    const read = await host.readText(file);
    if (read.ok) return found(parseOsRelease(read.value));
  }
  return missing('neither /etc/os-release nor /usr/lib/os-release is readable');
}

async function readNic(host: CollectHost, name: string): Promise<NetInterface> {
  const dir = `/sys/class/net/${name}`;
  const attr = async (file: string) => {
    const read = await host.readText(`${dir}/${file}`);
    return read.ok ? read.value.trim() : null;
  };
  const [hasDevice, type, addrAssignType, address] = await Promise.all([
    host.exists(`${dir}/device`),
    attr('type'),
    attr('addr_assign_type'),
    attr('address'),
  ]);
  return { name, hasDevice, type, addrAssignType, address };
}

/** Whether a block device (a /sys/devices/… node) is dm-crypt, or sits on one through its slaves. */
async function onDmCrypt(host: CollectHost, node: string, depth = 0): Promise<boolean> {
  if (depth > 8) return false;
  const uuid = await host.readText(`${node}/dm/uuid`);
  if (uuid.ok && uuid.value.startsWith('CRYPT-')) return true;
  const slaves = await host.listDir(`${node}/slaves`);
  for (const slave of slaves.ok ? slaves.value : []) {
    const target = await host.realpath(`${node}/slaves/${slave}`);
    if (target.ok && (await onDmCrypt(host, target.value, depth + 1))) return true;
  }
  // A partition's holder chain starts at its disk.
  if (await host.exists(`${node}/partition`)) return onDmCrypt(host, path.posix.dirname(node), depth + 1);
  return false;
}

/** The sysfs node of the root filesystem's block device, or why there is none. */
async function rootBlockDevice(host: CollectHost): Promise<ProbeResult<string>> {
  const mountinfo = await host.readText('/proc/self/mountinfo');
  if (!mountinfo.ok) return missing(mountinfo.reason);
  const root = parseRootMount(mountinfo.value);
  if (!root) return missing('no root filesystem in /proc/self/mountinfo');
  if (NON_BLOCK_FILESYSTEMS.test(root.fsType))
    return missing(`the root filesystem is ${root.fsType} (${root.source}), not a local block device: encryption is not visible from here`);
  // btrfs reports an anonymous 0:N device; its source names the real one.
  const byNumber = root.majorMinor.startsWith('0:') ? null : await host.realpath(`/sys/dev/block/${root.majorMinor}`);
  if (byNumber?.ok) return byNumber;
  if (root.source.startsWith('/dev/')) {
    const device = await host.realpath(root.source);
    if (device.ok) {
      const node = await host.realpath(`/sys/class/block/${path.posix.basename(device.value)}`);
      if (node.ok) return node;
    }
  }
  return missing(`cannot find the block device of the root filesystem (${root.source})`);
}

export const linuxProbes: ProbeSet = {
  hardwareUuid: (host) => dmi(host, 'product_uuid'),
  serialNumber: (host) => dmi(host, 'product_serial'),
  // /etc/machine-id is deliberately not reported: the SPEC's identity has no field for it
  // (machineGuid is Windows' MachineGuid), and cloned images share it.
  machineGuid: notApplicable('not applicable on Linux: MachineGuid is a Windows identifier'),

  async hostname(host) {
    const name = host.osHostname().trim();
    return name ? found(name) : missing('the kernel has no hostname');
  },

  // VERSION_ID ("12", "22.04") is numeric, so minimum-version rules can compare it.
  async osVersion(host) {
    const release = await osRelease(host);
    if (!release.ok) return release;
    const version = release.value.get('VERSION_ID');
    return version ? found(version) : missing(`os-release has no VERSION_ID (${release.value.get('PRETTY_NAME') ?? 'rolling release?'})`);
  },

  // The running kernel: what "build" means on Linux.
  async osBuild(host) {
    const read = await host.readText('/proc/sys/kernel/osrelease');
    return read.ok && read.value.trim() ? found(read.value.trim()) : missing(read.ok ? 'kernel release is empty' : read.reason);
  },

  // Interfaces with a bus device behind them; virtual ones (lo, docker0, veth, bridges, tun) have none.
  async macAddresses(host) {
    const list = await host.listDir('/sys/class/net');
    if (!list.ok) return missing(list.reason);
    const nics = await Promise.all(list.value.map((name) => readNic(host, name)));
    const macs = stableMacs(nics.flatMap((nic) => linuxMacCandidate(nic) ?? []));
    return macs.length > 0 ? found(macs) : missing('no physical network interface with a stable MAC address');
  },

  edr: (host) => linuxEdr(host),

  // LUKS: the root filesystem's device, or one under it, is a dm-crypt target. Self-encrypting drives are not seen.
  async diskEncryption(host) {
    const node = await rootBlockDevice(host);
    if (!node.ok) return node;
    return found(await onDmCrypt(host, node.value));
  },

  // ufw and firewalld are what distributions ship; raw nftables/iptables rule sets are not judged.
  async firewall(host) {
    const [ufw, firewalld] = await Promise.all([host.readText('/etc/ufw/ufw.conf'), host.run('firewall-cmd', ['--state'])]);
    const ufwEnabled = ufw.ok ? /^\s*ENABLED\s*=\s*yes\s*$/im.test(ufw.value) : null;
    const firewalldRunning = firewalld.ok ? firewalld.stdout.trim() === 'running' : null;
    if (ufwEnabled || firewalldRunning) return found(true);
    if (ufwEnabled === false || firewalldRunning === false) return found(false);
    return missing('neither ufw nor firewalld is installed; raw nftables/iptables rules are not judged');
  },

  screenLock: notApplicable('not readable on Linux from a headless agent: it is a desktop-session setting'),
  passwordSet: notApplicable('not readable on Linux from a headless agent'),
};
