import { readOemCodePage, readRegistry, type RegFailureKind } from '../../platform/reg-read.js';
import { valuesOfKey, type RegValue } from '../../platform/reg-query.js';
import type { CollectHost } from '../host.js';
import { REGISTRY_KEYS, type RegistryKeyName } from './registry-script.js';
import { inventory } from './sources.js';

export type RegistryRead = { ok: true; values: Map<string, RegValue> } | { ok: false; kind: RegFailureKind; reason: string };

/** Get-ItemProperty's JSON value as the registry type reg.exe would print. */
export function regValueOfJson(value: unknown): RegValue | null {
  if (typeof value === 'string') return { type: 'REG_SZ', value };
  // PowerShell reads a REG_DWORD as a signed Int32: 0xffffffff arrives as -1.
  if (typeof value === 'number' && Number.isSafeInteger(value)) return { type: 'REG_DWORD', value: value < 0 ? value + 2 ** 32 : value };
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255))
    return { type: 'REG_BINARY', value: value.map((v: number) => v.toString(16).padStart(2, '0').toUpperCase()).join('') };
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return { type: 'REG_MULTI_SZ', value: value as string[] };
  return null;
}

/**
 * A PowerShell error's kind from its structured parts: the ErrorCategory enum name and
 * the exception type are the same in every Windows language; the message is not.
 */
export function kindOfPowerShellError(error: { category?: unknown; type?: unknown }): RegFailureKind {
  const category = String(error.category ?? '');
  const type = String(error.type ?? '');
  if (category === 'ObjectNotFound' || /ItemNotFoundException$/.test(type)) return 'missing';
  if (category === 'PermissionDenied' || category === 'SecurityError' || /(SecurityException|UnauthorizedAccessException)$/.test(type))
    return 'denied';
  return 'other';
}

function fromInventory(entry: unknown, key: string): RegistryRead | null {
  if (typeof entry !== 'object' || entry === null) return null;
  const { values, error } = entry as { values?: unknown; error?: { category?: unknown; type?: unknown; message?: unknown } };
  if (error && typeof error === 'object') {
    const kind = kindOfPowerShellError(error);
    const message =
      String(error.message ?? '')
        .split(/\r?\n/)[0]
        ?.slice(0, 160) ?? '';
    const reason =
      kind === 'missing'
        ? `${key} does not exist`
        : `${key} is not readable (${String(error.category ?? error.type)}${message ? `: "${message}"` : ''})`;
    return { ok: false, kind, reason };
  }
  if (typeof values !== 'object' || values === null) return null;
  const map = new Map<string, RegValue>();
  for (const [name, raw] of Object.entries(values)) {
    const value = regValueOfJson(raw);
    if (value) map.set(name, value);
  }
  return { ok: true, values: map };
}

/** The OEM code page from the inventory, else from reg.exe; null when neither says. */
async function oemCodePage(host: CollectHost): Promise<number | null> {
  const inv = await inventory(host);
  const entry = inv.ok ? inv.value.registry.get('codePage') : undefined;
  const read = entry === undefined ? null : fromInventory(entry, REGISTRY_KEYS.codePage.key);
  const value = read?.ok ? read.values.get('OEMCP') : undefined;
  if (value?.type === 'REG_SZ' && /^\d+$/.test(value.value)) return Number(value.value);
  return readOemCodePage((args) => host.run('reg', args));
}

/** reg.exe with the output decoded in the OEM code page it writes. */
export async function regExec(host: CollectHost): Promise<(args: string[]) => ReturnType<CollectHost['run']>> {
  const codePage = await oemCodePage(host);
  return (args) => host.run('reg', args, codePage === null ? {} : { codePage });
}

/** One key's values (the named ones): from the inventory's Get-ItemProperty, else from reg.exe. */
export async function readKey(host: CollectHost, name: RegistryKeyName): Promise<RegistryRead> {
  const { key, values } = REGISTRY_KEYS[name];
  const inv = await inventory(host);
  const entry = inv.ok ? inv.value.registry.get(name) : undefined;
  const read = entry === undefined ? null : fromInventory(entry, key);
  if (read) return read;
  const run = await regExec(host);
  const reg = await readRegistry(run, key, values.length === 1 ? values[0] : undefined);
  if (!reg.ok) return reg;
  return { ok: true, values: valuesOfKey(reg.keys, key) ?? new Map() };
}

/** One value of a key read by readKey (names are case-insensitive, as in the registry). */
export function valueOf(read: RegistryRead, name: string): RegValue | null {
  if (!read.ok) return null;
  for (const [valueName, value] of read.values) if (valueName.toLowerCase() === name.toLowerCase()) return value;
  return null;
}
