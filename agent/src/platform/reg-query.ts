/**
 * The one parser for `reg.exe query <key> [/v name | /s]` output (Windows 7 to 11), used
 * by the collectors (machine GUID, Windows version, EDR keys) and the policy reader:
 *
 *   (blank line)
 *   HKEY_LOCAL_MACHINE\SOFTWARE\Policies\DevTrust\Agent
 *       collectorUrl    REG_SZ    https://trust.example.com
 *       disallowQuit    REG_DWORD    0x1
 *   (blank line)
 *   HKEY_LOCAL_MACHINE\SOFTWARE\Policies\DevTrust\Agent\Sub
 *   ...
 *
 * Lines end in CRLF; values are indented by four spaces and name, type and data are
 * separated by four spaces. An empty REG_SZ leaves nothing after its type. With /s each
 * subkey follows as its own block, so a subkey's values never land in its parent.
 */

export type RegValue =
  | { type: 'REG_SZ' | 'REG_EXPAND_SZ'; value: string }
  | { type: 'REG_DWORD' | 'REG_QWORD'; value: number }
  | { type: 'REG_MULTI_SZ'; value: string[] }
  | { type: 'REG_BINARY' | 'REG_NONE' | 'OTHER'; value: string };

/** Key path (as reg prints it, HKEY_LOCAL_MACHINE\…) → value name → value. */
export type RegQueryResult = Map<string, Map<string, RegValue>>;

const VALUE_LINE = /^ {4}(.+?) {4}(REG_[A-Z0-9_]+)(?: {4}(.*))?$/;

function toValue(type: string, data: string): RegValue {
  switch (type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return { type, value: data };
    case 'REG_DWORD':
    case 'REG_QWORD':
      // reg prints DWORD/QWORD data as 0x-prefixed hexadecimal.
      return { type, value: /^0x[0-9a-f]+$/i.test(data) ? Number.parseInt(data.slice(2), 16) : Number.NaN };
    case 'REG_MULTI_SZ':
      // reg shows the NUL separators of a multi-string as the two characters "\0".
      return { type, value: data === '' ? [] : data.split('\\0').filter((part) => part !== '') };
    case 'REG_BINARY':
    case 'REG_NONE':
      // REG_BINARY data is one run of hex digits, left as printed.
      return { type, value: data };
    default:
      return { type: 'OTHER', value: data };
  }
}

export function parseRegQuery(output: string): RegQueryResult {
  const result: RegQueryResult = new Map();
  let current: Map<string, RegValue> | null = null;
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    if (/^HKEY_[A-Z_]+(\\|$)/.test(line)) {
      current = new Map();
      result.set(line.trimEnd(), current);
      continue;
    }
    const match = VALUE_LINE.exec(line);
    if (!match || !current) continue;
    const [, name, type, data] = match as unknown as [string, string, string, string | undefined];
    current.set(name, toValue(type, data ?? ''));
  }
  return result;
}

/** reg accepts HKLM\… and HKCU\… but always prints the long hive names. */
export function expandHive(keyPath: string): string {
  return keyPath.replace(/^HKLM(?=\\|$)/i, 'HKEY_LOCAL_MACHINE').replace(/^HKCU(?=\\|$)/i, 'HKEY_CURRENT_USER');
}

/** The values of one key (case-insensitive, as the registry is), or null when absent. */
export function valuesOfKey(result: RegQueryResult, keyPath: string): Map<string, RegValue> | null {
  const wanted = expandHive(keyPath).toLowerCase();
  for (const [key, values] of result) if (key.toLowerCase() === wanted) return values;
  return null;
}

/** One value, matching key path and value name case-insensitively as the registry does. */
export function regValue(result: RegQueryResult, keyPath: string, name: string): RegValue | null {
  const values = valuesOfKey(result, keyPath);
  if (!values) return null;
  for (const [valueName, value] of values) if (valueName.toLowerCase() === name.toLowerCase()) return value;
  return null;
}

/** A REG_DWORD/REG_QWORD as a number; null for any other type or unreadable data. */
export function regNumber(value: RegValue | null): number | null {
  if (!value || (value.type !== 'REG_DWORD' && value.type !== 'REG_QWORD') || Number.isNaN(value.value)) return null;
  return value.value;
}

/** A value's text: a string type's data as printed (trailing blanks dropped); null for numbers and multi-strings. */
export function regText(value: RegValue | null): string | null {
  if (!value || typeof value.value !== 'string') return null;
  return value.value.trimEnd();
}
