import { parseRegQuery, regFailure, type RegQueryResult } from '../../platform/reg-query.js';
import { stdoutOf, type CollectHost } from '../host.js';
import { found, missing, type ProbeResult } from '../probe.js';
import { INVENTORY_ARGS, INVENTORY_TIMEOUT_MS, parseInventory, rowsOf, text, type WindowsInventory } from './inventory.js';
import { parseScQuery } from './parse-sc.js';

/** The PowerShell inventory, run once per pass (the host memoises it). */
export async function inventory(host: CollectHost): Promise<ProbeResult<WindowsInventory>> {
  const out = stdoutOf(await host.run('powershell', INVENTORY_ARGS, { timeoutMs: INVENTORY_TIMEOUT_MS }), 'PowerShell inventory');
  if (!out.ok) return missing(out.reason);
  const parsed = parseInventory(out.value);
  return parsed ? found(parsed) : missing('PowerShell inventory printed no JSON');
}

/** One inventory section, or why it is absent (the cmdlet's own error message when it failed). */
export async function section(host: CollectHost, name: string): Promise<ProbeResult<unknown>> {
  const inv = await inventory(host);
  if (!inv.ok) return inv;
  const error = inv.value.errors.get(name);
  if (error !== undefined) return missing(`${name}: ${error}`);
  return inv.value.sections.has(name) ? found(inv.value.sections.get(name)) : missing(`PowerShell inventory has no ${name}`);
}

export type RegRead = { ok: true; keys: RegQueryResult } | { ok: false; kind: 'missing' | 'denied' | 'other'; reason: string };

/** `reg query <key> …` in the 64-bit view, whatever the bitness of node.exe. */
export async function regQuery(host: CollectHost, key: string, ...args: string[]): Promise<RegRead> {
  const result = await host.run('reg', ['query', key, ...args, '/reg:64']);
  if (!result.ok) return { ok: false, kind: 'other', reason: `reg query: ${result.reason}` };
  if (result.code === 0) return { ok: true, keys: parseRegQuery(result.stdout) };
  const kind = regFailure(result.stderr);
  const reason =
    kind === 'missing'
      ? `${key} does not exist`
      : kind === 'denied'
        ? `${key} needs administrator rights`
        : `reg query ${key} exited with code ${result.code}`;
  return { ok: false, kind, reason };
}

export interface ServiceState {
  exists: boolean;
  running: boolean | null;
}

/**
 * A service's state from the inventory (names may end in `*`, as Cisco's versioned
 * "CiscoAMP_x.y.z" services do), or from `sc.exe query` when PowerShell did not answer.
 */
export async function serviceState(host: CollectHost, name: string): Promise<ServiceState | null> {
  const services = await section(host, 'services');
  if (services.ok) {
    const prefix = name.endsWith('*') ? name.slice(0, -1).toLowerCase() : null;
    const row = rowsOf(services.value).find((r) => {
      const rowName = text(r, 'Name')?.toLowerCase() ?? '';
      return prefix === null ? rowName === name.toLowerCase() : rowName.startsWith(prefix);
    });
    return row ? { exists: true, running: text(row, 'Status') === 'Running' } : { exists: false, running: null };
  }
  const sc = await host.run('sc', ['query', name.replace(/\*$/, '')]);
  if (!sc.ok) return null;
  return parseScQuery(`${sc.stdout}\n${sc.stderr}`);
}
