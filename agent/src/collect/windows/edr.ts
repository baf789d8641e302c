import path from 'node:path';
import { windowsFolders } from '../../platform/allowlist.js';
import { regNumber, regText, regValue } from '../../platform/reg-query.js';
import { parseCiscoLocalXml, parseSentinelAgentId } from '../edr/parse.js';
import { cliProblem, edrReport, finding, notInstalled, type VendorFinding } from '../edr/report.js';
import type { CollectHost } from '../host.js';
import type { EdrReport, ProbeResult } from '../probe.js';
import { rowOf, text } from './inventory.js';
import { regQuery, section, serviceState } from './sources.js';

/** Where the Falcon sensor keeps its agent ID (AG, 16 bytes): current sensors, then older ones. */
export const CROWDSTRIKE_AG_KEYS = [
  'HKLM\\SYSTEM\\CrowdStrike\\{9b03c1d9-3138-44ed-9fae-d9f4c034b88d}\\{16e0423f-7058-48c9-a204-725362b67639}\\Default',
  'HKLM\\SYSTEM\\CurrentControlSet\\Services\\CSAgent\\Sim',
];
export const DEFENDER_KEY = 'HKLM\\SOFTWARE\\Microsoft\\Windows Advanced Threat Protection';

/** Cisco's integration guide: `/config/agent/uuid` in local.xml under the InstallDir of HKLM\SOFTWARE\Immunet Protect. */
async function cisco(host: CollectHost): Promise<VendorFinding> {
  const amp = await section(host, 'ciscoAmp');
  const installDir =
    (amp.ok ? text(rowOf(amp.value), 'InstallDir') : null) ?? path.win32.join(windowsFolders().programFiles, 'Cisco', 'AMP');
  const file = path.win32.join(installDir, 'local.xml');
  const [xml, service] = await Promise.all([host.readText(file), serviceState(host, 'CiscoAMP*')]);
  if (!service?.exists && !xml.ok && xml.kind === 'missing') return notInstalled;
  const guid = xml.ok ? parseCiscoLocalXml(xml.value) : null;
  const note = guid ? undefined : xml.ok ? `${file} holds no connector GUID` : xml.reason;
  return finding({ vendor: 'cisco-secure-endpoint', installed: true, running: service?.running, connectorId: guid }, note);
}

async function crowdstrike(host: CollectHost): Promise<VendorFinding> {
  let aid: string | null = null;
  let problem: string | undefined;
  let keyExists = false; // found, or there but unreadable: either way the sensor is installed
  for (const key of CROWDSTRIKE_AG_KEYS) {
    const read = await regQuery(host, key, '/v', 'AG');
    if (read.ok) {
      keyExists = true;
      const ag = regValue(read.keys, key, 'AG');
      const hex = ag?.type === 'REG_BINARY' ? regText(ag) : null;
      if (hex && /^[0-9a-f]{32}$/i.test(hex)) aid = hex.toLowerCase();
      else problem = `${key}\\AG is not a 16-byte agent ID`;
      break;
    }
    if (read.kind === 'denied') keyExists = true;
    if (read.kind !== 'missing') problem ??= read.reason;
  }
  const service = await serviceState(host, 'CSFalconService');
  if (!keyExists && !service?.exists) return problem ? { connector: null, note: problem } : notInstalled;
  const note = aid ? undefined : (problem ?? 'the sensor service exists but no agent ID (AG) was found');
  return finding({ vendor: 'crowdstrike', installed: true, running: service?.running, connectorId: aid }, note);
}

async function sentinelone(host: CollectHost): Promise<VendorFinding> {
  const [service, result] = await Promise.all([serviceState(host, 'SentinelAgent'), host.run('sentinelctl', ['agent_id'])]);
  const notFound = !result.ok && result.kind === 'not-installed';
  if (notFound && !service?.exists) return notInstalled;
  const id = result.ok && result.code === 0 ? parseSentinelAgentId(result.stdout) : null;
  const note = id
    ? undefined
    : result.ok && result.code === 0
      ? 'SentinelCtl agent_id printed no UUID'
      : cliProblem('SentinelCtl agent_id', result);
  return finding({ vendor: 'sentinelone', installed: true, running: service?.running, connectorId: id }, note);
}

/**
 * The Sense service ships with Windows 10/11 but only runs once onboarded, so Defender
 * for Endpoint counts as present when its Status key exists or Sense runs. OnboardingState
 * and OrgId live under …\Status; senseId (the device ID in the Defender portal) one level up.
 */
async function defender(host: CollectHost): Promise<VendorFinding> {
  const [read, service] = await Promise.all([regQuery(host, DEFENDER_KEY, '/s'), serviceState(host, 'Sense')]);
  const keys = read.ok ? read.keys : null;
  const state = keys ? regNumber(regValue(keys, `${DEFENDER_KEY}\\Status`, 'OnboardingState')) : null;
  if (state === null && !service?.running)
    return read.ok || read.kind === 'missing' ? notInstalled : { connector: null, note: read.reason };
  const senseId = keys ? regText(regValue(keys, DEFENDER_KEY, 'senseId')) : null;
  const orgId = keys ? (regText(regValue(keys, `${DEFENDER_KEY}\\Status`, 'OrgId')) ?? undefined) : undefined;
  const note = senseId
    ? undefined
    : state === 0
      ? 'not onboarded (OnboardingState 0): no device ID'
      : read.ok
        ? 'no senseId (device ID) in the registry'
        : read.reason;
  return finding(
    {
      vendor: 'defender',
      installed: state === null ? null : state === 1,
      running: service?.running,
      connectorId: senseId,
      details: { onboardingState: state, orgId },
    },
    note,
  );
}

export function windowsEdr(host: CollectHost): Promise<ProbeResult<EdrReport>> {
  return edrReport({
    'cisco-secure-endpoint': () => cisco(host),
    crowdstrike: () => crowdstrike(host),
    sentinelone: () => sentinelone(host),
    defender: () => defender(host),
  });
}
