import type { ExecResult } from './exec.js';
import { parseRegQuery, valuesOfKey, type RegQueryResult } from './reg-query.js';

/**
 * Reading the registry through reg.exe, and telling why a read failed. reg.exe exits 1
 * for every failure and words the reason in the machine's language ("Zugriff
 * verweigert"), or refuses every query when the DisableRegistryTools policy is set
 * ("Registry editing has been disabled by your administrator."). So the message is kept
 * for the reason but never parsed: the registry itself says which failure it was. The
 * nearest readable ancestor key lists its subkeys: when the path's next key is not among
 * them, the key is missing; when it is, the key exists and we may not read it; when not
 * even the hive can be listed, reg.exe refuses everything.
 */

export type RegFailureKind = 'missing' | 'denied' | 'other';
export type RegRead = { ok: true; keys: RegQueryResult } | { ok: false; kind: RegFailureKind; reason: string };

/** Runs reg.exe with these arguments (the caller's allowlisted runner, with the OEM code page). */
export type RegExec = (args: string[]) => Promise<ExecResult>;

/** The key holding the OEM code page reg.exe writes its output in. */
export const CODE_PAGE_KEY = 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage';

/** The first non-blank line a command printed (stderr first), for a reason. */
export function firstLine(result: { stdout?: string; stderr?: string }): string {
  const text = result.stderr?.trim() || result.stdout?.trim() || '';
  return (text.split(/\r?\n/)[0] ?? '').trim().slice(0, 160);
}

function parentOf(key: string): string | null {
  const cut = key.lastIndexOf('\\');
  return cut < 0 ? null : key.slice(0, cut);
}

const query = (key: string, ...more: string[]) => ['query', key, ...more, '/reg:64'];

/** Which failure an unreadable key (or value) is, from what its ancestors list. */
export async function classifyRegFailure(run: RegExec, key: string, value?: string): Promise<RegFailureKind> {
  let child = key;
  if (value !== undefined) {
    const whole = await run(query(key));
    if (!whole.ok) return 'other';
    // The key reads, so the value is what is absent.
    if (whole.code === 0) return valuesOfKey(parseRegQuery(whole.stdout), key) ? 'missing' : 'other';
  }
  for (let parent = parentOf(child); parent !== null; child = parent, parent = parentOf(parent)) {
    const listing = await run(query(parent));
    if (!listing.ok) return 'other';
    if (listing.code !== 0) continue;
    return valuesOfKey(parseRegQuery(listing.stdout), child) ? 'denied' : 'missing';
  }
  // Not even the hive (HKLM) lists: reg.exe refuses every query, as the DisableRegistryTools policy makes it.
  return 'denied';
}

/** `reg query <key> [/v value]` in the 64-bit view, with a failure kind from the registry's structure. */
export async function readRegistry(run: RegExec, key: string, value?: string): Promise<RegRead> {
  const result = await run(value === undefined ? query(key) : query(key, '/v', value));
  if (!result.ok) return { ok: false, kind: 'other', reason: `reg query ${key}: ${result.reason}` };
  if (result.code === 0) return { ok: true, keys: parseRegQuery(result.stdout) };
  const kind = await classifyRegFailure(run, key, value);
  const said = firstLine(result);
  const what = value === undefined ? key : `${key}\\${value}`;
  const quoted = said ? `: "${said}"` : '';
  const reason =
    kind === 'missing'
      ? `${what} does not exist`
      : kind === 'denied'
        ? `${what} is not readable (reg.exe exit ${result.code}${quoted})`
        : `reg query ${what} exited with code ${result.code}${quoted}`;
  return { ok: false, kind, reason };
}

/** The OEM code page, read with reg.exe (its answer is ASCII digits in any code page); null when unreadable. */
export async function readOemCodePage(run: RegExec): Promise<number | null> {
  const result = await run(query(CODE_PAGE_KEY, '/v', 'OEMCP'));
  if (!result.ok || result.code !== 0) return null;
  const value = valuesOfKey(parseRegQuery(result.stdout), CODE_PAGE_KEY)?.get('OEMCP');
  const codePage = value && typeof value.value === 'string' ? Number.parseInt(value.value, 10) : Number.NaN;
  return Number.isSafeInteger(codePage) && codePage > 0 ? codePage : null;
}
