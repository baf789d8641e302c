import { stableMacs } from '../mac.js';
import { stdoutOf, type CollectHost } from '../host.js';
import { found, missing, notApplicable, type ProbeResult, type ProbeSet } from '../probe.js';
import { macosEdr } from './edr.js';
import {
  isVirtualPort,
  parseFdesetupStatus,
  parseIoreg,
  parseNetworksetupPorts,
  parseSocketfilterfw,
  parseSwVers,
  parseSysadminctlScreenLock,
  parseSystemProfilerHardware,
  type HardwareIds,
} from './parse.js';

/**
 * Hardware UUID and serial from the IOPlatformExpertDevice node, as Apple's own tools
 * read them. Not `si.uuid()` (it swaps fields) nor `osInfo().serial` (the kernel UUID,
 * identical on every Mac with the same OS build). system_profiler is the slow fallback.
 */
async function hardwareIds(host: CollectHost): Promise<{ ids: HardwareIds; reason: string }> {
  const ioreg = stdoutOf(await host.run('ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice']), 'ioreg');
  const fromIoreg = ioreg.ok ? parseIoreg(ioreg.value) : { uuid: null, serial: null };
  if (fromIoreg.uuid && fromIoreg.serial) return { ids: fromIoreg, reason: '' };
  const profiler = stdoutOf(await host.run('system_profiler', ['SPHardwareDataType', '-json'], { timeoutMs: 20_000 }), 'system_profiler');
  const fromProfiler = profiler.ok ? parseSystemProfilerHardware(profiler.value) : { uuid: null, serial: null };
  const reason = [
    ioreg.ok ? 'ioreg has no such property' : ioreg.reason,
    profiler.ok ? 'system_profiler has no such field' : profiler.reason,
  ].join('; ');
  return { ids: { uuid: fromIoreg.uuid ?? fromProfiler.uuid, serial: fromIoreg.serial ?? fromProfiler.serial }, reason };
}

async function hardwareField(host: CollectHost, field: keyof HardwareIds): Promise<ProbeResult<string>> {
  const { ids, reason } = await hardwareIds(host);
  const value = ids[field];
  return value ? found(value) : missing(reason);
}

async function swVers(host: CollectHost) {
  const out = stdoutOf(await host.run('sw_vers', []), 'sw_vers');
  return out.ok ? { ok: true as const, value: parseSwVers(out.value) } : out;
}

/** A posture probe over one command whose parser answers true, false or "unknown wording". */
async function postureFlag(
  host: CollectHost,
  command: string,
  args: string[],
  parse: (text: string) => boolean | null,
  stream: 'stdout' | 'both' = 'stdout',
): Promise<ProbeResult<boolean>> {
  const result = await host.run(command, args);
  if (!result.ok) return missing(`${command}: ${result.reason}`);
  const text = stream === 'both' ? `${result.stdout}\n${result.stderr}` : result.stdout;
  const value = parse(text);
  if (value !== null) return found(value);
  const said = (result.stderr.trim() || result.stdout.trim()).split(/\r?\n/)[0]?.slice(0, 160);
  return missing(`${command} ${args.join(' ')} gave no answer (exit ${result.code}${said ? `: ${said}` : ''})`);
}

export const macosProbes: ProbeSet = {
  hardwareUuid: (host) => hardwareField(host, 'uuid'),
  serialNumber: (host) => hardwareField(host, 'serial'),
  machineGuid: notApplicable('not applicable on macOS: MachineGuid is a Windows identifier'),

  // ComputerName is the name MDM inventories show; the network hostname is the fallback.
  async hostname(host) {
    const name = stdoutOf(await host.run('scutil', ['--get', 'ComputerName']), 'scutil');
    if (name.ok && name.value.trim()) return found(name.value.trim());
    const fallback = host.osHostname().trim();
    return fallback ? found(fallback) : missing(name.ok ? 'ComputerName is empty' : name.reason);
  },

  async osVersion(host) {
    const vers = await swVers(host);
    if (!vers.ok) return missing(vers.reason);
    return vers.value.version ? found(vers.value.version) : missing('sw_vers printed no ProductVersion');
  },

  async osBuild(host) {
    const vers = await swVers(host);
    if (!vers.ok) return missing(vers.reason);
    return vers.value.build ? found(vers.value.build) : missing('sw_vers printed no BuildVersion');
  },

  async macAddresses(host) {
    const out = stdoutOf(await host.run('networksetup', ['-listallhardwareports']), 'networksetup');
    if (!out.ok) return missing(out.reason);
    // Apple burns universally administered MACs into its NICs: a locally administered one is a VM's or a random one.
    const macs = stableMacs(
      parseNetworksetupPorts(out.value)
        .filter((port) => !isVirtualPort(port))
        .map((port) => ({ mac: port.mac, permanent: false })),
    );
    return macs.length > 0 ? found(macs) : missing('no hardware port with a stable MAC address');
  },

  edr: (host) => macosEdr(host),

  diskEncryption: (host) => postureFlag(host, 'fdesetup', ['status'], parseFdesetupStatus),
  firewall: (host) => postureFlag(host, 'socketfilterfw', ['--getglobalstate'], parseSocketfilterfw),
  // sysadminctl writes its answer to stderr; it reads the console user's setting.
  screenLock: (host) => postureFlag(host, 'sysadminctl', ['-screenLock', 'status'], parseSysadminctlScreenLock, 'both'),
  passwordSet: notApplicable('not readable on macOS: no command tells an agent whether the console user has a password'),
};
