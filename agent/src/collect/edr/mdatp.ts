import type { CollectHost } from '../host.js';
import { parseMdatpHealth } from './parse.js';
import { cliProblem, finding, notInstalled, type VendorFinding } from './report.js';

/**
 * Defender for Endpoint on macOS and Linux, through its `mdatp` CLI. `mdatp health`
 * answers only while wdavdaemon runs, so an answer means running.
 */
export async function defenderFromMdatp(host: CollectHost): Promise<VendorFinding> {
  const result = await host.run('mdatp', ['health']);
  if (!result.ok && result.kind === 'not-installed') return notInstalled;
  if (!result.ok || result.code !== 0)
    return finding({ vendor: 'defender', installed: true, running: false }, cliProblem('mdatp health', result));
  const health = parseMdatpHealth(result.stdout);
  const flag = (name: string) => (health.has(name) ? health.get(name) === 'true' : undefined);
  const machineId = health.get('edr_machine_id') || null;
  const fields = {
    vendor: 'defender' as const,
    installed: true,
    running: true,
    connectorId: machineId,
    details: { orgId: health.get('org_id'), healthy: flag('healthy'), licensed: flag('licensed'), version: health.get('app_version') },
  };
  return finding(fields, machineId ? undefined : 'mdatp reports no edr_machine_id (not onboarded?)');
}
