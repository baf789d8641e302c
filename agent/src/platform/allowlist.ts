import path from 'node:path';

/**
 * Every command the agent may run (collectors, managed settings, key stores), by name,
 * with its absolute path on each OS. A name missing from an OS's table cannot run there.
 * Paths are the vendors' documented install locations; nothing is looked up on PATH.
 */

/** Where an allowlisted command lives: an absolute path, or a versioned folder under a fixed parent. */
export type CommandLocation = string | VersionedLocation;

/** E.g. `C:\Program Files\SentinelOne\Sentinel Agent 23.4.2.14\SentinelCtl.exe`: the folder name carries the version. */
export interface VersionedLocation {
  parent: string;
  folderPrefix: string;
  file: string;
}

export type Allowlist = Readonly<Record<string, CommandLocation>>;

export const MACOS_COMMANDS = {
  ioreg: '/usr/sbin/ioreg',
  system_profiler: '/usr/sbin/system_profiler',
  sw_vers: '/usr/bin/sw_vers',
  scutil: '/usr/sbin/scutil',
  networksetup: '/usr/sbin/networksetup',
  fdesetup: '/usr/bin/fdesetup',
  socketfilterfw: '/usr/libexec/ApplicationFirewall/socketfilterfw',
  sysadminctl: '/usr/sbin/sysadminctl',
  // EDR command-line tools.
  falconctl: '/Applications/Falcon.app/Contents/Resources/falconctl',
  // The agent bundle's own copy (what GLPI's inventory agent runs); the /usr/local/bin link older installs make.
  sentinelctl: '/Library/Sentinel/sentinel-agent.bundle/Contents/MacOS/sentinelctl',
  'sentinelctl-link': '/usr/local/bin/sentinelctl',
  ampcli: '/opt/cisco/amp/ampcli',
  mdatp: '/usr/local/bin/mdatp',
  // Managed preferences and the Keychain (config/managed, keys/).
  plutil: '/usr/bin/plutil',
  security: '/usr/bin/security',
  // The Secure Enclave key helper the agent's package installs (agent/native/macos-keyhelper; unbuilt here).
  'devtrust-keyhelper': '/Library/Application Support/DevTrust/devtrust-keyhelper',
} as const satisfies Allowlist;

export const LINUX_COMMANDS = {
  'firewall-cmd': '/usr/bin/firewall-cmd',
  falconctl: '/opt/CrowdStrike/falconctl',
  sentinelctl: '/opt/sentinelone/bin/sentinelctl',
  ampcli: '/opt/cisco/amp/bin/ampcli',
  mdatp: '/usr/bin/mdatp',
} as const satisfies Allowlist;

/** Windows folders, from the environment a service gets, falling back to the defaults. */
export function windowsFolders(env: NodeJS.ProcessEnv = process.env): { system32: string; programFiles: string } {
  const drivePath = (value: string | undefined, fallback: string) => (value && /^[A-Za-z]:\\/.test(value) ? value : fallback);
  const systemRoot = drivePath(env.SystemRoot ?? env.SYSTEMROOT, 'C:\\Windows');
  // ProgramW6432 is the 64-bit folder even when a 32-bit process asks.
  const programFiles = drivePath(env.ProgramW6432 ?? env.ProgramFiles, 'C:\\Program Files');
  return { system32: path.win32.join(systemRoot, 'System32'), programFiles };
}

export function windowsCommands(env: NodeJS.ProcessEnv = process.env) {
  const { system32, programFiles } = windowsFolders(env);
  return {
    powershell: path.win32.join(system32, 'WindowsPowerShell', 'v1.0', 'powershell.exe'),
    reg: path.win32.join(system32, 'reg.exe'),
    sc: path.win32.join(system32, 'sc.exe'),
    // DPAPI key folder permissions and the loopback certificate (keys/, loopback/).
    icacls: path.win32.join(system32, 'icacls.exe'),
    certutil: path.win32.join(system32, 'certutil.exe'),
    // SentinelOne installs into "Sentinel Agent <version>"; the highest version wins.
    sentinelctl: { parent: path.win32.join(programFiles, 'SentinelOne'), folderPrefix: 'Sentinel Agent', file: 'SentinelCtl.exe' },
  } as const satisfies Allowlist;
}

export function defaultAllowlist(platform: NodeJS.Platform): Allowlist {
  if (platform === 'darwin') return MACOS_COMMANDS;
  if (platform === 'win32') return windowsCommands();
  if (platform === 'linux') return LINUX_COMMANDS;
  return {};
}
