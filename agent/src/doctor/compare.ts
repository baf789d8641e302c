import { IDENTIFIER_LABELS, MATCH_ORDER, identifiersOf, usableIdentifier, type IdentifierKind } from '@devtrust/shared/identity';
import { canonicalMac, isLocallyAdministered } from '../collect/mac.js';
import type { Collected } from '../collect/probe.js';

/**
 * `devtrust-agent doctor`'s judgement, kept pure so fixtures can test it: the agent's
 * own probe values side by side with what two widely used identity libraries read on the
 * same machine, every disagreement and placeholder flagged, and the value the collector
 * will match on. The libraries are a second opinion for IT support, never a source the
 * agent reports.
 */

/** What `systeminformation` read (null: it had no value), or why it could not. */
export interface SystemInformationValues {
  uuid: string | null;
  serial: string | null;
  hostname: string | null;
  fqdn: string | null;
  /** Interfaces that are neither internal (loopback) nor marked virtual. */
  macs: Array<{ iface: string; mac: string }>;
  error?: string;
}

/** node-machine-id's `machineIdSync(true)`: the OS's own ID, unhashed, or why it failed. */
export interface NodeMachineIdValue {
  value: string | null;
  error?: string;
}

export type DoctorPlatform = 'windows' | 'macos' | 'linux';

/** What node-machine-id reads on each OS, and the agent field it corresponds to (null: none). */
export const NODE_MACHINE_ID_SOURCE: Record<DoctorPlatform, { what: string; field: 'machineGuid' | 'hardwareUuid' | null }> = {
  windows: { what: 'MachineGuid (HKLM\\SOFTWARE\\Microsoft\\Cryptography)', field: 'machineGuid' },
  macos: { what: 'IOPlatformUUID (the hardware UUID)', field: 'hardwareUuid' },
  linux: { what: '/etc/machine-id (or /var/lib/dbus/machine-id)', field: null },
};

export type RowField = 'hardwareUuid' | 'serialNumber' | 'machineGuid' | 'hostname' | 'macAddresses';

export interface DoctorRow {
  field: RowField;
  label: string;
  /** The agent's probe value, or null with `agentReason`. */
  agent: string | string[] | null;
  agentReason: string | null;
  systeminformation: string | string[] | null;
  /** Only on the row node-machine-id reads on this OS. */
  nodeMachineId?: string | null;
  /** agree: every source that answered says the same; differ: they do not; none: nobody has a value. */
  status: 'agree' | 'differ' | 'none';
  flags: string[];
}

export interface DoctorReport {
  platform: DoctorPlatform;
  rows: DoctorRow[];
  /** The identifier the collector tries first, normalised, and the ones after it. */
  matchOn: { kind: IdentifierKind; label: string; value: string } | null;
  fallbacks: Array<{ kind: IdentifierKind; label: string; value: string }>;
  /** node-machine-id's value where no agent field corresponds (Linux's machine-id). */
  nodeMachineId: { what: string; value: string | null; error?: string; comparedWith: RowField | null };
  systeminformationError?: string;
  /** Every flag of every row, and the libraries' own failures: what needs a look. */
  problems: string[];
}

const ROW_LABELS: Record<RowField, string> = {
  hardwareUuid: 'hardware UUID',
  serialNumber: 'serial number',
  machineGuid: 'MachineGuid',
  hostname: 'hostname',
  macAddresses: 'MAC addresses',
};

type IdField = 'hardwareUuid' | 'serialNumber' | 'machineGuid';

/** A value that is there but can never match: "To Be Filled By O.E.M.", all zeros, a lone "-". */
function placeholderFlag(source: string, kind: IdentifierKind, raw: string | null): string | null {
  if (raw === null || raw.trim() === '') return null;
  return usableIdentifier(kind, raw) === null ? `${source}: "${raw}" is a placeholder (never matched)` : null;
}

/** One identifier row: compared after the shared normalisation, placeholders flagged. */
function identifierRow(
  field: IdField,
  agent: string | null,
  agentReason: string | null,
  si: string | null,
  nmi: { value: string | null } | undefined,
): DoctorRow {
  const flags: string[] = [];
  const sources: Array<[string, string | null]> = [
    ['agent', agent],
    ['systeminformation', si],
  ];
  if (nmi) sources.push(['node-machine-id', nmi.value]);
  for (const [name, raw] of sources) {
    const flag = placeholderFlag(name, field, raw);
    if (flag) flags.push(flag);
  }
  const usable = sources
    .map(([name, raw]) => [name, raw === null ? null : usableIdentifier(field, raw)] as const)
    .filter((entry): entry is readonly [string, string] => entry[1] !== null);
  const distinct = new Set(usable.map(([, value]) => value));
  let status: DoctorRow['status'] = usable.length === 0 ? 'none' : distinct.size === 1 ? 'agree' : 'differ';
  if (distinct.size > 1) flags.push(`disagree: ${usable.map(([name, value]) => `${name} ${value}`).join(', ')}`);
  // A usable value only one side read is a disagreement too: the other side missed it.
  const agentUsable = agent !== null && usableIdentifier(field, agent) !== null;
  for (const [name, value] of usable) {
    if (name !== 'agent' && !agentUsable) {
      flags.push(`only ${name} read ${ROW_LABELS[field]} ${value}${agentReason ? ` (the agent: ${agentReason})` : ''}`);
      status = 'differ';
    }
  }
  return {
    field,
    label: ROW_LABELS[field],
    agent,
    agentReason,
    systeminformation: si,
    ...(nmi ? { nodeMachineId: nmi.value } : {}),
    status,
    flags,
  };
}

function hostnameRow(agent: string | null, agentReason: string | null, si: SystemInformationValues): DoctorRow {
  const flags: string[] = [];
  const names = [si.hostname, si.fqdn].filter((n): n is string => !!n).map((n) => n.toLowerCase());
  let status: DoctorRow['status'] = agent === null && names.length === 0 ? 'none' : 'agree';
  if (agent !== null && names.length > 0 && !names.includes(agent.toLowerCase())) {
    status = 'differ';
    flags.push(`disagree: agent ${agent}, systeminformation ${[...new Set(names)].join(' / ')}`);
  }
  return {
    field: 'hostname',
    label: ROW_LABELS.hostname,
    agent,
    agentReason,
    systeminformation: si.fqdn && si.fqdn !== si.hostname ? `${si.hostname ?? ''} (${si.fqdn})` : si.hostname,
    status,
    flags,
  };
}

/** MACs: the agent keeps only stable, physical addresses; say why each one it left out was left out. */
function macRow(agent: string[] | null, agentReason: string | null, si: SystemInformationValues): DoctorRow {
  const flags: string[] = [];
  const ours = new Set(agent ?? []);
  const theirs = new Map<string, string>();
  for (const { iface, mac } of si.macs) {
    const canonical = canonicalMac(mac);
    if (canonical && canonical !== '00:00:00:00:00:00') theirs.set(canonical, iface);
  }
  for (const [mac, iface] of theirs) {
    if (ours.has(mac)) continue;
    const why = isLocallyAdministered(mac)
      ? 'locally administered (random or virtual): the agent leaves it out'
      : 'the agent left it out (a virtual, VPN, Bluetooth or container interface)';
    flags.push(`only systeminformation lists ${mac} (${iface}): ${why}`);
  }
  for (const mac of ours) if (!theirs.has(mac)) flags.push(`only the agent lists ${mac}`);
  const status: DoctorRow['status'] = ours.size === 0 && theirs.size === 0 ? 'none' : flags.length > 0 ? 'differ' : 'agree';
  return {
    field: 'macAddresses',
    label: ROW_LABELS.macAddresses,
    agent,
    agentReason,
    systeminformation: [...theirs.keys()].sort(),
    status,
    flags,
  };
}

export function compareIdentity(
  platform: DoctorPlatform,
  collected: Collected,
  si: SystemInformationValues,
  nmi: NodeMachineIdValue,
): DoctorReport {
  const { identity, probeErrors } = collected;
  const reason = (field: string) => probeErrors[field] ?? null;
  const nmiField = NODE_MACHINE_ID_SOURCE[platform].field;
  const nmiFor = (field: IdField) => (nmiField === field ? nmi : undefined);
  const rows: DoctorRow[] = [
    identifierRow('hardwareUuid', identity.hardwareUuid ?? null, reason('hardwareUuid'), si.uuid, nmiFor('hardwareUuid')),
    identifierRow('serialNumber', identity.serialNumber ?? null, reason('serialNumber'), si.serial, undefined),
  ];
  if (platform === 'windows')
    rows.push(identifierRow('machineGuid', identity.machineGuid ?? null, reason('machineGuid'), null, nmiFor('machineGuid')));
  rows.push(hostnameRow(identity.hostname ?? null, reason('hostname'), si));
  rows.push(macRow(identity.macAddresses ?? null, reason('macAddresses'), si));

  // What the collector will do with this report: the shared normalisation, then MATCH_ORDER.
  const identifiers = identifiersOf(identity);
  type Candidate = { kind: IdentifierKind; label: string; value: string };
  const ordered = MATCH_ORDER.flatMap((kind): Candidate[] => {
    if (kind === 'macAddress')
      return (identifiers.macAddresses ?? []).map((value) => ({ kind, label: IDENTIFIER_LABELS.macAddress, value }));
    const value = identifiers[kind];
    return value ? [{ kind, label: IDENTIFIER_LABELS[kind], value }] : [];
  });

  const problems = rows.flatMap((row) => row.flags.map((flag) => `${row.label}: ${flag}`));
  if (si.error) problems.push(`systeminformation: ${si.error}`);
  if (nmi.error) problems.push(`node-machine-id: ${nmi.error}`);
  return {
    platform,
    rows,
    matchOn: ordered[0] ?? null,
    fallbacks: ordered.slice(1),
    nodeMachineId: {
      what: NODE_MACHINE_ID_SOURCE[platform].what,
      value: nmi.value,
      ...(nmi.error ? { error: nmi.error } : {}),
      comparedWith: nmiField,
    },
    ...(si.error ? { systeminformationError: si.error } : {}),
    problems,
  };
}

const show = (value: string | string[] | null | undefined): string =>
  value === null || value === undefined ? '—' : Array.isArray(value) ? (value.length ? value.join(', ') : '(none)') : value;

/** The report as IT support reads it: one block per identifier, then what needs a look. */
export function formatReport(report: DoctorReport): string {
  const lines: string[] = [`DevTrust agent doctor (${report.platform})`, ''];
  for (const row of report.rows) {
    const mark = row.status === 'differ' ? 'DIFFER' : row.status === 'agree' ? 'ok' : 'none';
    lines.push(`${row.label} [${mark}]`);
    lines.push(`  agent              ${show(row.agent)}${row.agent === null && row.agentReason ? ` (${row.agentReason})` : ''}`);
    lines.push(`  systeminformation  ${show(row.systeminformation)}`);
    if ('nodeMachineId' in row) lines.push(`  node-machine-id    ${show(row.nodeMachineId)}`);
    for (const flag of row.flags) lines.push(`  ! ${flag}`);
  }
  if (report.nodeMachineId.comparedWith === null)
    lines.push(`OS machine ID [not matched]`, `  node-machine-id    ${show(report.nodeMachineId.value)}  (${report.nodeMachineId.what})`);
  lines.push('');
  if (report.matchOn) {
    lines.push(`The collector will match this device on its ${report.matchOn.label} ${report.matchOn.value}`);
    if (report.fallbacks.length > 0) lines.push(`  then on: ${report.fallbacks.map((f) => `${f.label} ${f.value}`).join(', ')}`);
    lines.push('  (MAC addresses only where an integration allows them)');
  } else {
    lines.push('The collector has nothing to match this device on: no usable hardware UUID, serial, MachineGuid or MAC.');
  }
  lines.push('');
  lines.push(report.problems.length === 0 ? 'No disagreements.' : `${report.problems.length} to look at:`);
  for (const problem of report.problems) lines.push(`  - ${problem}`);
  return `${lines.join('\n')}\n`;
}
