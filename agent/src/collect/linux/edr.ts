import { defenderFromMdatp } from '../edr/mdatp.js';
import { parseAmpcliStatus, parseCiscoLocalXml, parseFalconctlAid, parseSentinelAgentId } from '../edr/parse.js';
import { cliProblem, edrReport, finding, notInstalled, type VendorFinding } from '../edr/report.js';
import type { CollectHost } from '../host.js';
import type { EdrReport, ProbeResult } from '../probe.js';

export const CISCO_LOCAL_XML = '/opt/cisco/amp/etc/local.xml';

const processNames = new WeakMap<CollectHost, Promise<Set<string>>>();

/** Names (comm) of running processes, read once per pass from /proc. */
function runningProcesses(host: CollectHost): Promise<Set<string>> {
  let pending = processNames.get(host);
  if (!pending) {
    pending = (async () => {
      const list = await host.listDir('/proc');
      const pids = list.ok ? list.value.filter((name) => /^\d+$/.test(name)) : [];
      const names = new Set<string>();
      // In batches: a server with thousands of processes must not run out of file descriptors.
      for (let i = 0; i < pids.length; i += 64) {
        const reads = await Promise.all(pids.slice(i, i + 64).map((pid) => host.readText(`/proc/${pid}/comm`)));
        for (const read of reads) if (read.ok) names.add(read.value.trim());
      }
      return names;
    })();
    processNames.set(host, pending);
  }
  return pending;
}

async function cisco(host: CollectHost): Promise<VendorFinding> {
  const [xml, status, processes] = await Promise.all([
    host.readText(CISCO_LOCAL_XML),
    host.run('ampcli', ['status']),
    runningProcesses(host),
  ]);
  const daemon = processes.has('ampdaemon');
  const absent = !xml.ok && xml.kind === 'missing' && !status.ok && status.kind === 'not-installed';
  if (absent && !daemon) return notInstalled;
  const guid = xml.ok ? parseCiscoLocalXml(xml.value) : null;
  const parsed = status.ok && status.code === 0 ? parseAmpcliStatus(status.stdout) : null;
  const note = guid ? undefined : xml.ok ? `${CISCO_LOCAL_XML} holds no connector GUID` : xml.reason;
  return finding(
    { vendor: 'cisco-secure-endpoint', installed: true, running: daemon, connectorId: guid, details: { status: parsed?.status } },
    note,
  );
}

/** /opt/CrowdStrike is root-only (0750): as a user, falconctl cannot even be started. */
async function crowdstrike(host: CollectHost): Promise<VendorFinding> {
  const [result, processes, dir] = await Promise.all([
    host.run('falconctl', ['-g', '--aid']),
    runningProcesses(host),
    host.exists('/opt/CrowdStrike'),
  ]);
  const running = processes.has('falcond') || processes.has('falcon-sensor');
  if (!result.ok && result.kind === 'not-installed' && !running && !dir) return notInstalled;
  const aid = result.ok && result.code === 0 ? parseFalconctlAid(`${result.stdout}\n${result.stderr}`) : null;
  let note: string | undefined;
  if (aid?.notSet) note = 'the sensor has no agent ID yet (never reached the Falcon cloud)';
  else if (!aid) note = cliProblem('falconctl -g --aid', result);
  else if (!aid.aid) note = 'falconctl printed no agent ID';
  return finding({ vendor: 'crowdstrike', installed: true, running, connectorId: aid?.aid }, note);
}

async function sentinelone(host: CollectHost): Promise<VendorFinding> {
  const [result, processes] = await Promise.all([host.run('sentinelctl', ['management', 'uuid', 'get']), runningProcesses(host)]);
  const running = processes.has('s1-agent') || processes.has('s1-orchestrator');
  if (!result.ok && result.kind === 'not-installed' && !running) return notInstalled;
  const id = result.ok && result.code === 0 ? parseSentinelAgentId(result.stdout) : null;
  const answered = result.ok && result.code === 0;
  const note = id ? undefined : answered ? 'sentinelctl printed no agent UUID' : cliProblem('sentinelctl management uuid get', result);
  return finding({ vendor: 'sentinelone', installed: true, running, connectorId: id }, note);
}

export function linuxEdr(host: CollectHost): Promise<ProbeResult<EdrReport>> {
  return edrReport({
    'cisco-secure-endpoint': () => cisco(host),
    crowdstrike: () => crowdstrike(host),
    sentinelone: () => sentinelone(host),
    defender: () => defenderFromMdatp(host),
  });
}
