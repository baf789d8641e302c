/**
 * Pure parsers for the macOS commands the probes run. Each is table-tested against
 * the fixtures in agent/test/collect/fixtures/macos.
 */

export interface HardwareIds {
  uuid: string | null;
  serial: string | null;
}

/**
 * `ioreg -rd1 -c IOPlatformExpertDevice`: one `+-o <model>  <class IOPlatformExpertDevice…>`
 * entry whose properties are `"Name" = value` lines; strings are double-quoted, data is <hex>.
 * IOPlatformUUID is the hardware UUID ("Hardware UUID" in System Information) and
 * IOPlatformSerialNumber the serial the MDM inventory holds.
 */
export function parseIoreg(text: string): HardwareIds {
  const property = (name: string) => new RegExp(`^\\s*(?:\\|\\s*)*"${name}"\\s*=\\s*"([^"]*)"`, 'm').exec(text)?.[1] ?? null;
  return { uuid: property('IOPlatformUUID'), serial: property('IOPlatformSerialNumber') };
}

/** `system_profiler SPHardwareDataType -json`: `{"SPHardwareDataType": [{"platform_UUID", "serial_number", …}]}`. */
export function parseSystemProfilerHardware(text: string): HardwareIds {
  try {
    const json = JSON.parse(text) as { SPHardwareDataType?: Array<Record<string, unknown>> };
    const overview = json.SPHardwareDataType?.[0] ?? {};
    const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
    return { uuid: str(overview.platform_UUID), serial: str(overview.serial_number) };
  } catch {
    return { uuid: null, serial: null };
  }
}

/**
 * The model in `system_profiler SPHardwareDataType -json` (`machine_model`, "Mac16,5"),
 * and whether it is a virtual machine: Apple's Virtualization framework reports a
 * "VirtualMac…" model and a "(Virtual)" chip. A VM's identifiers belong to its image, not to hardware.
 */
export function parseSystemProfilerModel(text: string): { model: string | null; virtualMachine: boolean | null } {
  try {
    const overview = (JSON.parse(text) as { SPHardwareDataType?: Array<Record<string, unknown>> }).SPHardwareDataType?.[0];
    const model = typeof overview?.machine_model === 'string' && overview.machine_model !== '' ? overview.machine_model : null;
    if (model === null) return { model: null, virtualMachine: null };
    const chip = typeof overview?.chip_type === 'string' ? overview.chip_type : '';
    return { model, virtualMachine: /^VirtualMac/i.test(model) || /\(Virtual\)/i.test(chip) };
  } catch {
    return { model: null, virtualMachine: null };
  }
}

/** `sw_vers`: "ProductName:\tmacOS", "ProductVersion:\t14.4.1", "BuildVersion:\t23E224" (tabs vary by release). */
export function parseSwVers(text: string): { productName: string | null; version: string | null; build: string | null } {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^(\w+):\s*(.*?)\s*$/.exec(line);
    if (match) fields.set(match[1] as string, match[2] as string);
  }
  return {
    productName: fields.get('ProductName') || null,
    version: fields.get('ProductVersion') || null,
    build: fields.get('BuildVersion') || null,
  };
}

export interface HardwarePort {
  port: string;
  device: string;
  mac: string | null;
}

/**
 * `networksetup -listallhardwareports`: blank-line separated blocks of
 * "Hardware Port: Wi-Fi", "Device: en0", "Ethernet Address: 3c:22:fb:…" (or "N/A"),
 * then a "VLAN Configurations" trailer. The address shown is the port's hardware
 * address, not the private per-network one Wi-Fi may be using.
 */
export function parseNetworksetupPorts(text: string): HardwarePort[] {
  const ports: HardwarePort[] = [];
  for (const block of text.split(/\r?\n\s*\r?\n/)) {
    const port = /^Hardware Port:\s*(.+)$/m.exec(block)?.[1]?.trim();
    const device = /^Device:\s*(.+)$/m.exec(block)?.[1]?.trim();
    if (!port || !device) continue;
    const mac = /^Ethernet Address:\s*(.+)$/m.exec(block)?.[1]?.trim() ?? null;
    ports.push({ port, device, mac: mac === 'N/A' ? null : mac });
  }
  return ports;
}

/**
 * Hardware ports that are not a NIC of their own: bridges, IP-over-Thunderbolt links,
 * Bluetooth PAN, and Apple silicon's "Ethernet Adapter (enN)" ports (virtual, with
 * locally administered addresses: a real USB or Thunderbolt NIC is named for its product).
 */
export function isVirtualPort(port: HardwarePort): boolean {
  return (
    /^(bridge|utun|awdl|llw|anpi|ap\d|vmenet|vmnet)/i.test(port.device) ||
    /^(Thunderbolt( Bridge| \d+$)|Bluetooth|Ethernet Adapter \(en\d+\)$)/i.test(port.port)
  );
}

/**
 * `fdesetup status`: "FileVault is On." / "FileVault is Off.", possibly followed by
 * "Encryption in progress: …" or "Deferred enablement appears to be active…". Only a
 * finished, on volume counts as encrypted; null when the wording is unknown.
 */
export function parseFdesetupStatus(text: string): boolean | null {
  if (/Encryption in progress|Decryption in progress/i.test(text)) return false;
  if (/FileVault is On\./i.test(text)) return true;
  if (/FileVault is Off\./i.test(text)) return false;
  return null;
}

/** `socketfilterfw --getglobalstate`: "Firewall is enabled. (State = 1)"; State 2 is "block all", also on. */
export function parseSocketfilterfw(text: string): boolean | null {
  const state = /\(State\s*=\s*(\d)\)/.exec(text)?.[1];
  if (state !== undefined) return state !== '0';
  if (/Firewall is enabled/i.test(text)) return true;
  if (/Firewall is disabled/i.test(text)) return false;
  return null;
}

/**
 * `sysadminctl -screenLock status` (on stderr, after a timestamp): "screenLock delay is
 * immediate", "screenLock delay is 300 seconds" or "screenLock is off".
 */
export function parseSysadminctlScreenLock(text: string): boolean | null {
  if (/screenLock is off/i.test(text)) return false;
  const delay = /screenLock delay is (immediate|-?\d+)/i.exec(text)?.[1];
  if (delay === undefined) return null;
  return delay.toLowerCase() === 'immediate' || Number(delay) >= 0;
}
