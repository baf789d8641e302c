/**
 * Registry keys the Windows probes read. The PowerShell inventory reads them with
 * Get-ItemProperty (which the DisableRegistryTools policy does not block, unlike reg.exe)
 * and tells a missing key from a denied one by the error's category, not its localized
 * message; reg.exe is the fallback when PowerShell does not answer.
 */
export const REGISTRY_KEYS = {
  machineGuid: { key: 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', values: ['MachineGuid'] },
  // Where the Falcon sensor keeps its agent ID (AG, 16 bytes): current sensors, then older ones.
  crowdstrikeAg: {
    key: 'HKLM\\SYSTEM\\CrowdStrike\\{9b03c1d9-3138-44ed-9fae-d9f4c034b88d}\\{16e0423f-7058-48c9-a204-725362b67639}\\Default',
    values: ['AG'],
  },
  crowdstrikeSim: { key: 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\CSAgent\\Sim', values: ['AG'] },
  defender: { key: 'HKLM\\SOFTWARE\\Microsoft\\Windows Advanced Threat Protection', values: ['senseId'] },
  defenderStatus: { key: 'HKLM\\SOFTWARE\\Microsoft\\Windows Advanced Threat Protection\\Status', values: ['OnboardingState', 'OrgId'] },
  // The code page reg.exe and sc.exe write in, so their messages decode right.
  codePage: { key: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage', values: ['OEMCP'] },
} as const satisfies Record<string, { key: string; values: readonly string[] }>;
export type RegistryKeyName = keyof typeof REGISTRY_KEYS;

/** `HKLM\X` → `Registry::HKEY_LOCAL_MACHINE\X`: a provider path, so no PowerShell drive needs to exist. */
function providerPath(key: string): string {
  return `Registry::${key.replace(/^HKLM(?=\\)/, 'HKEY_LOCAL_MACHINE')}`;
}

const psString = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The inventory script's registry block, generated from REGISTRY_KEYS so the two cannot drift. */
export function registryScript(): string {
  const reads = Object.entries(REGISTRY_KEYS).map(
    ([name, { key, values }]) => `Read-Key ${psString(name)} ${psString(providerPath(key))} @(${values.map(psString).join(', ')})`,
  );
  return [
    String.raw`$out.registry = [ordered]@{}`,
    String.raw`function Read-Key([string]$name, [string]$path, [string[]]$names) {`,
    String.raw`  try {`,
    String.raw`    $item = Get-ItemProperty -LiteralPath $path`,
    String.raw`    $values = [ordered]@{}`,
    String.raw`    foreach ($p in $item.PSObject.Properties) { if ($names -contains $p.Name) { $values[$p.Name] = $p.Value } }`,
    String.raw`    $out.registry[$name] = @{ values = $values }`,
    String.raw`  } catch {`,
    String.raw`    $out.registry[$name] = @{ error = @{ category = [string]$_.CategoryInfo.Category; type = $_.Exception.GetType().FullName; message = $_.Exception.Message } }`,
    String.raw`  }`,
    String.raw`}`,
    ...reads,
  ].join('\n');
}
