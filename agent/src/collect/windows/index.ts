import { usableIdentifier } from '@devtrust/shared/identity/normalize';
import { readRegistry } from '../../platform/reg-read.js';
import { regNumber, regText, regValue } from '../../platform/reg-query.js';
import type { CollectHost } from '../host.js';
import { stableMacs, VIRTUAL_ADAPTER_DESCRIPTION, type MacCandidate } from '../mac.js';
import { found, missing, notApplicable, type ProbeResult, type ProbeSet } from '../probe.js';
import { windowsEdr } from './edr.js';
import { rowOf, rowsOf, text } from './inventory.js';
import { readKey, regExec, valueOf } from './registry.js';
import { section } from './sources.js';

const CURRENT_VERSION_KEY = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion';

async function field(host: CollectHost, name: string, column: string): Promise<ProbeResult<string>> {
  const value = await section(host, name);
  if (!value.ok) return value;
  const got = text(rowOf(value.value), column);
  return got ? found(got) : missing(`${name} has no ${column}`);
}

/**
 * Windows version parts from the inventory, or from the registry alone when PowerShell
 * did not answer (blocked by AppLocker, constrained language mode).
 */
async function versionParts(host: CollectHost): Promise<ProbeResult<{ version: string; build: string; ubr: number | null }>> {
  const [os, current] = await Promise.all([section(host, 'os'), section(host, 'currentVersion')]);
  const ubrField = current.ok ? rowOf(current.value)?.UBR : undefined;
  const ubr = typeof ubrField === 'number' ? ubrField : null;
  const version = os.ok ? text(rowOf(os.value), 'Version') : null;
  const build = (current.ok ? text(rowOf(current.value), 'CurrentBuild') : null) ?? (os.ok ? text(rowOf(os.value), 'BuildNumber') : null);
  if (version && build) return found({ version, build, ubr });
  const reg = await readRegistry(await regExec(host), CURRENT_VERSION_KEY);
  if (!reg.ok) return missing(`${os.ok ? 'no Version' : os.reason}; ${reg.reason}`);
  const major = regNumber(regValue(reg.keys, CURRENT_VERSION_KEY, 'CurrentMajorVersionNumber'));
  const minor = regNumber(regValue(reg.keys, CURRENT_VERSION_KEY, 'CurrentMinorVersionNumber'));
  const regBuild = regText(regValue(reg.keys, CURRENT_VERSION_KEY, 'CurrentBuild'));
  if (major === null || minor === null || !regBuild) return missing('the registry has no CurrentMajorVersionNumber/CurrentBuild');
  return found({
    version: `${major}.${minor}.${regBuild}`,
    build: regBuild,
    ubr: regNumber(regValue(reg.keys, CURRENT_VERSION_KEY, 'UBR')),
  });
}

/**
 * Win32_BIOS.SerialNumber wins: it is what Intune, Autopilot and SCCM inventories record,
 * so it is what an MDM record holds. Win32_ComputerSystemProduct.IdentifyingNumber reads
 * the same SMBIOS system serial on most machines; some boards fill only one of the two,
 * so it stands in when the BIOS value is empty or a placeholder.
 */
export function chooseSerial(biosSerial: string | null, identifyingNumber: string | null): string | null {
  if (usableIdentifier('serialNumber', biosSerial) !== null) return biosSerial;
  if (usableIdentifier('serialNumber', identifyingNumber) !== null) return identifyingNumber;
  return biosSerial ?? identifyingNumber; // a placeholder still goes up raw: the collector flags it
}

export const windowsProbes: ProbeSet = {
  hardwareUuid: (host) => field(host, 'product', 'UUID'),

  async serialNumber(host) {
    const [bios, product] = await Promise.all([section(host, 'bios'), section(host, 'product')]);
    const serial = chooseSerial(
      bios.ok ? text(rowOf(bios.value), 'SerialNumber') : null,
      product.ok ? text(rowOf(product.value), 'IdentifyingNumber') : null,
    );
    return serial ? found(serial) : missing(bios.ok ? 'Win32_BIOS has no SerialNumber' : bios.reason);
  },

  // The original value, not node-machine-id's default SHA-256 of it (an MDM export holds the original).
  async machineGuid(host) {
    const read = await readKey(host, 'machineGuid');
    if (!read.ok) return missing(read.reason);
    const guid = regText(valueOf(read, 'MachineGuid'));
    return guid ? found(guid) : missing('the Cryptography key has no MachineGuid');
  },

  // The FQDN on a domain-joined machine, else the DNS host name.
  async hostname(host) {
    const computer = await section(host, 'computer');
    const row = computer.ok ? rowOf(computer.value) : null;
    const name = text(row, 'DNSHostName');
    const domain = text(row, 'Domain');
    if (name) return found(row?.PartOfDomain === true && domain ? `${name}.${domain}` : name);
    const fallback = host.osHostname().trim();
    return fallback ? found(fallback) : missing(computer.ok ? 'Win32_ComputerSystem has no DNSHostName' : computer.reason);
  },

  // "10.0.22631.3447": numeric first, so the collector's minimum-version rule can compare it.
  async osVersion(host) {
    const parts = await versionParts(host);
    if (!parts.ok) return parts;
    const { version, ubr } = parts.value;
    return found(ubr !== null && version.split('.').length === 3 ? `${version}.${ubr}` : version);
  },

  async osBuild(host) {
    const parts = await versionParts(host);
    if (!parts.ok) return parts;
    return found(parts.value.ubr !== null ? `${parts.value.build}.${parts.value.ubr}` : parts.value.build);
  },

  /**
   * Physical adapters only (`Get-NetAdapter -Physical`). PermanentAddress is the burned-in
   * address, unchanged when Wi-Fi uses a random one; MacAddress stands in without it.
   */
  async macAddresses(host) {
    const adapters = await section(host, 'adapters');
    if (!adapters.ok) return adapters;
    const candidates: MacCandidate[] = rowsOf(adapters.value)
      .filter((row) => !VIRTUAL_ADAPTER_DESCRIPTION.test(text(row, 'InterfaceDescription') ?? ''))
      .map((row) => {
        const permanent = text(row, 'PermanentAddress');
        return permanent && !/^0+$/.test(permanent)
          ? { mac: permanent, permanent: true }
          : { mac: text(row, 'MacAddress'), permanent: false };
      });
    const macs = stableMacs(candidates);
    return macs.length > 0 ? found(macs) : missing('no physical adapter with a stable MAC address');
  },

  edr: (host) => windowsEdr(host),

  // ProtectionStatus needs administrator rights; the Explorer shell property answers a standard user.
  async diskEncryption(host) {
    const bitlocker = await section(host, 'bitlocker');
    const status = bitlocker.ok ? text(rowOf(bitlocker.value), 'ProtectionStatus') : null;
    if (status === 'On' || status === '1') return found(true);
    if (status === 'Off' || status === '0') return found(false);
    const shell = await section(host, 'bitlockerShell');
    // System.Volume.BitLockerProtection: 1 on, 2 off, 3 encrypting, 4 decrypting, 5 on (unlocked), 6 on (locked).
    const code = shell.ok && typeof shell.value === 'number' ? shell.value : null;
    if (code === 1 || code === 5 || code === 6) return found(true);
    if (code === 2 || code === 3 || code === 4) return found(false);
    return missing(
      `${bitlocker.ok ? 'no ProtectionStatus' : bitlocker.reason}; BitLocker shell property ${code === null ? 'unavailable' : `is ${code}`}`,
    );
  },

  // On only when every profile is: the next network may use any of them.
  async firewall(host) {
    const profiles = await section(host, 'firewall');
    if (!profiles.ok) return profiles;
    const enabled = rowsOf(profiles.value).map((row) => text(row, 'Enabled'));
    if (enabled.length === 0) return missing('Get-NetFirewallProfile listed no profile');
    if (enabled.some((v) => v === 'False' || v === '0')) return found(false);
    return enabled.every((v) => v === 'True' || v === '1') ? found(true) : missing(`firewall profiles say ${enabled.join(', ')}`);
  },

  // Only the machine-wide inactivity limit is readable by a service; per-user screen savers are not.
  async screenLock(host) {
    const policy = await section(host, 'lockPolicy');
    const seconds = policy.ok ? rowOf(policy.value)?.InactivityTimeoutSecs : undefined;
    if (typeof seconds === 'number' && seconds > 0) return found(true);
    return missing(policy.ok ? 'no machine inactivity limit (InactivityTimeoutSecs) is set by policy' : policy.reason);
  },

  passwordSet: notApplicable('not readable on Windows from a service: it belongs to the signed-in user'),
};
