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
  const state = parseScQuery(`${sc.stdout}\n${sc.stderr}`, sc.code);
  // Neither "missing" (1060) nor a state: sc.exe failed some other way, so the state is unknown.
  return state.exists || sc.code === 1060 || /FAILED 1060\b/.test(sc.stdout) ? state : null;
}
