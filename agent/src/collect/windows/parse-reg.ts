/**
 * Pure parsers for `reg.exe query` and `sc.exe query` output.
 *
 * reg query prints, with CRLF line endings and a leading blank line:
 *   HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Cryptography
 *       MachineGuid    REG_SZ    4f9c2a3e-…
 * values indented four spaces, name/type/data separated by four spaces; REG_DWORD data
 * as 0x-hex, REG_BINARY as one run of hex digits. With /s each subkey follows as its
 * own block. (agent/src/config/managed has a richer parser for policy keys; this one
 * keeps the collectors independent of that in-progress module.)
 */

export interface RegValue {
  type: string;
  data: string;
}

/** Key path as printed (HKEY_LOCAL_MACHINE\…) → value name → value. */
export type RegKeys = Map<string, Map<string, RegValue>>;

const VALUE_LINE = /^ {4}(.*?) {4}(REG_[A-Z0-9_]+)(?: {4}(.*))?$/;

export function parseRegQuery(output: string): RegKeys {
  const keys: RegKeys = new Map();
  let current: Map<string, RegValue> | null = null;
  for (const line of output.split(/\r?\n/)) {
    if (/^HKEY_[A-Z_]+(\\|$)/.test(line)) {
      current = new Map();
      keys.set(line.trimEnd(), current);
      continue;
    }
    const match = VALUE_LINE.exec(line);
    if (match && current) current.set(match[1] as string, { type: match[2] as string, data: match[3]?.trimEnd() ?? '' });
  }
  return keys;
}

/** One value, matching key path and name case-insensitively as the registry does; HKLM\… accepted. */
export function regValue(keys: RegKeys, keyPath: string, name: string): RegValue | null {
  const wanted = keyPath.replace(/^HKLM(?=\\)/i, 'HKEY_LOCAL_MACHINE').toLowerCase();
  for (const [key, values] of keys) {
    if (key.toLowerCase() !== wanted) continue;
    for (const [valueName, value] of values) if (valueName.toLowerCase() === name.toLowerCase()) return value;
  }
  return null;
}

/** REG_DWORD/REG_QWORD data ("0x1") as a number; null otherwise. */
export function regNumber(value: RegValue | null): number | null {
  if (!value || !/^0x[0-9a-f]+$/i.test(value.data)) return null;
  return Number.parseInt(value.data.slice(2), 16);
}

/** What reg's English messages say when a key or value is absent or unreadable. */
export function regFailure(stderr: string): 'missing' | 'denied' | 'other' {
  if (/unable to find the specified registry key or value/i.test(stderr)) return 'missing';
  if (/access is denied/i.test(stderr)) return 'denied';
  return 'other';
}

/**
 * `sc.exe query <name>`: "        STATE              : 4  RUNNING"; a missing service
 * exits 1060 with "The specified service does not exist as an installed service."
 */
export function parseScQuery(output: string): { exists: boolean; running: boolean | null } {
  if (/FAILED 1060|does not exist as an installed service/i.test(output)) return { exists: false, running: null };
  const state = /^\s*STATE\s*:\s*\d+\s+(\w+)/m.exec(output)?.[1];
  return { exists: state !== undefined, running: state === undefined ? null : state.toUpperCase() === 'RUNNING' };
}
