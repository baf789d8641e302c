import { VIRTUAL_INTERFACE_NAME } from '../mac.js';

/** Pure parsers for the Linux files the probes read (os-release, mountinfo, sysfs attributes). */

/** /etc/os-release: KEY=value lines, values optionally quoted (os-release(5)). */
export function parseOsRelease(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const raw = (match[2] as string).trim();
    const unquoted = /^(["'])(.*)\1$/.exec(raw)?.[2] ?? raw;
    fields.set(match[1] as string, unquoted.replace(/\\(["'\\$`])/g, '$1'));
  }
  return fields;
}

export interface RootMount {
  majorMinor: string;
  source: string;
  fsType: string;
}

/**
 * /proc/self/mountinfo (proc(5)): "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw".
 * The last entry mounted on "/" is the one in effect.
 */
export function parseRootMount(text: string): RootMount | null {
  let root: RootMount | null = null;
  for (const line of text.split(/\r?\n/)) {
    const [before, after] = line.split(' - ');
    if (!before || !after) continue;
    const fields = before.split(' ');
    if (fields[4] !== '/') continue;
    const [fsType, source] = after.split(' ');
    root = { majorMinor: fields[2] ?? '', source: source ?? '', fsType: fsType ?? '' };
  }
  return root;
}

/** Filesystems that never sit on a local block device of their own. */
export const NON_BLOCK_FILESYSTEMS = /^(overlay|tmpfs|ramfs|rootfs|nfs4?|cifs|smb3|9p|virtiofs|fuse.*|squashfs|aufs|zfs)$/;

export interface NetInterface {
  name: string;
  /** /sys/class/net/<if>/device exists: the interface sits on a bus device, not in software. */
  hasDevice: boolean;
  /** ARPHRD type; 1 is Ethernet (Wi-Fi included). */
  type: string | null;
  /** 0 permanent, 1 random, 2 stolen, 3 set by user space (NET_ADDR_* in the kernel). */
  addrAssignType: string | null;
  address: string | null;
}

/** Whether an interface's address belongs to its hardware, and whether the kernel calls it permanent. */
export function linuxMacCandidate(nic: NetInterface): { mac: string; permanent: boolean } | null {
  // A bus device is the test; the name list catches virtual drivers that still register one.
  if (!nic.hasDevice || VIRTUAL_INTERFACE_NAME.test(nic.name) || nic.type !== '1' || !nic.address) return null;
  if (nic.addrAssignType === '1') return null; // random: changes every boot
  return { mac: nic.address, permanent: nic.addrAssignType === '0' || nic.addrAssignType === '2' };
}
