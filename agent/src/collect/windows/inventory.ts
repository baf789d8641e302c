import { registryScript } from './registry-script.js';

/**
 * One PowerShell run for every CIM/registry value the Windows probes need, printed as
 * JSON. PowerShell starts slowly (0.3–2 s), so one run instead of one per value — which
 * is also why we do not use `systeminformation`, which spawns PowerShell per call and
 * can hang. Each section is guarded: a failing cmdlet (BitLocker as a standard user)
 * records its error message under `errors` and the rest still answers. Registry values
 * the probes need come under `registry`, each key's values or its error's category.
 * The output is UTF-8 whatever the console's code page ([Console]::OutputEncoding).
 */
export const INVENTORY_SCRIPT = String.raw`
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false
$out = [ordered]@{ errors = [ordered]@{} }
function Read-Section([string]$name, [scriptblock]$read) {
  try { $out[$name] = & $read } catch { $out.errors[$name] = $_.Exception.Message }
}
Read-Section 'product' { Get-CimInstance -ClassName Win32_ComputerSystemProduct | Select-Object UUID, IdentifyingNumber, Vendor, Name }
Read-Section 'bios' { Get-CimInstance -ClassName Win32_BIOS | Select-Object SerialNumber, Manufacturer }
Read-Section 'os' { Get-CimInstance -ClassName Win32_OperatingSystem | Select-Object Caption, Version, BuildNumber }
Read-Section 'computer' { Get-CimInstance -ClassName Win32_ComputerSystem | Select-Object DNSHostName, Domain, PartOfDomain }
Read-Section 'currentVersion' { Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' | Select-Object CurrentBuild, UBR, DisplayVersion, ProductName }
Read-Section 'adapters' {
  try { Get-NetAdapter -Physical | Select-Object Name, InterfaceDescription, MacAddress, PermanentAddress }
  catch {
    Get-CimInstance -ClassName Win32_NetworkAdapter -Filter 'PhysicalAdapter=True' | Where-Object { $_.MACAddress } |
      Select-Object @{n='Name';e={$_.NetConnectionID}}, @{n='InterfaceDescription';e={$_.Description}}, @{n='MacAddress';e={$_.MACAddress}}
  }
}
Read-Section 'services' { Get-Service -Name 'CiscoAMP*', 'CSFalconService', 'SentinelAgent', 'Sense' -ErrorAction SilentlyContinue | Select-Object Name, @{n='Status';e={[string]$_.Status}} }
Read-Section 'bitlocker' { Get-BitLockerVolume -MountPoint $env:SystemDrive | Select-Object MountPoint, @{n='ProtectionStatus';e={[string]$_.ProtectionStatus}}, @{n='VolumeStatus';e={[string]$_.VolumeStatus}} }
Read-Section 'bitlockerShell' { (New-Object -ComObject Shell.Application).NameSpace($env:SystemDrive + '\').Self.ExtendedProperty('System.Volume.BitLockerProtection') }
Read-Section 'firewall' { Get-NetFirewallProfile | Select-Object Name, @{n='Enabled';e={[string]$_.Enabled}} }
Read-Section 'lockPolicy' { Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System' | Select-Object InactivityTimeoutSecs }
Read-Section 'ciscoAmp' { Get-ItemProperty -Path 'HKLM:\SOFTWARE\Immunet Protect' | Select-Object InstallDir }
${registryScript()}
$out | ConvertTo-Json -Depth 6
`;

/** -EncodedCommand (base64 of UTF-16LE) so no quoting rule of the Windows command line touches the script. */
export const INVENTORY_ENCODED = Buffer.from(INVENTORY_SCRIPT, 'utf16le').toString('base64');
export const INVENTORY_ARGS = [
  '-NoLogo',
  '-NoProfile',
  '-NonInteractive',
  '-ExecutionPolicy',
  'Bypass',
  '-EncodedCommand',
  INVENTORY_ENCODED,
] as const;
export const INVENTORY_TIMEOUT_MS = 30_000;

type Row = Record<string, unknown>;

export interface WindowsInventory {
  sections: Map<string, unknown>;
  errors: Map<string, string>;
  /** Registry key name (REGISTRY_KEYS) → `{ values }` or `{ error: { category, type, message } }`. */
  registry: Map<string, unknown>;
}

/** Parses the script's JSON (BOM or banner noise before it tolerated). Null when it is not that JSON. */
export function parseInventory(text: string): WindowsInventory | null {
  const start = text.indexOf('{');
  if (start < 0) return null;
  let json: unknown;
  try {
    json = JSON.parse(text.slice(start));
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const sections = new Map(Object.entries(json as Row).filter(([name]) => name !== 'errors' && name !== 'registry'));
  const rawRegistry = (json as Row).registry;
  const registry = new Map(typeof rawRegistry === 'object' && rawRegistry !== null ? Object.entries(rawRegistry) : []);
  const rawErrors = (json as Row).errors;
  const errors = new Map<string, string>();
  if (typeof rawErrors === 'object' && rawErrors !== null)
    for (const [name, message] of Object.entries(rawErrors)) errors.set(name, String(message));
  return { sections, errors, registry };
}

/** PowerShell unrolls one-element arrays into an object and empty ones into null: always give a list. */
export function rowsOf(value: unknown): Row[] {
  if (value === null || value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((row): row is Row => typeof row === 'object' && row !== null);
}

export function rowOf(value: unknown): Row | null {
  return rowsOf(value)[0] ?? null;
}

/** A CIM string field, trimmed (BIOS strings come space-padded); null when absent or blank. */
export function text(row: Row | null, field: string): string | null {
  const value = row?.[field];
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}
