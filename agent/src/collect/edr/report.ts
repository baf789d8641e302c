import type { EdrConnector } from '@devtrust/shared/identity';
import { EDR_VENDORS, type EdrVendor } from '@devtrust/shared/identity/platforms';
import type { ExecResult } from '../../platform/exec.js';
import { found, type EdrReport, type ProbeResult } from '../probe.js';

/** One vendor's answer: its connector (null: not installed) and why part of it is missing. */
export interface VendorFinding {
  connector: EdrConnector | null;
  note?: string;
}

export const notInstalled: VendorFinding = { connector: null };

export type VendorProbes = Record<EdrVendor, () => Promise<VendorFinding>>;

/**
 * Runs every vendor's probe and lists connectors in the SPEC's order (Cisco Secure
 * Endpoint first). A vendor probe that throws becomes a note, never a failed pass.
 */
export async function edrReport(vendors: VendorProbes): Promise<ProbeResult<EdrReport>> {
  const findings = await Promise.all(
    EDR_VENDORS.map((vendor) =>
      vendors[vendor]().catch((error: unknown): VendorFinding => ({ connector: null, note: `probe failed: ${String(error)}` })),
    ),
  );
  const report: EdrReport = { connectors: [], notes: {} };
  EDR_VENDORS.forEach((vendor, i) => {
    const finding = findings[i] as VendorFinding;
    if (finding.connector) report.connectors.push(finding.connector);
    if (finding.note) report.notes[vendor] = finding.note;
  });
  return found(report);
}

export interface ConnectorFields {
  vendor: EdrVendor;
  installed?: boolean | null;
  running?: boolean | null;
  connectorId?: string | null;
  details?: Record<string, string | number | boolean | null | undefined>;
}

/** Drops unknown (null/undefined/empty) fields so reports carry only what a probe learnt. */
export function connector(fields: ConnectorFields): EdrConnector {
  const out = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null)) as EdrConnector;
  if (out.details) {
    const details = Object.fromEntries(Object.entries(out.details).filter(([, v]) => v !== undefined && v !== null && v !== ''));
    if (Object.keys(details).length > 0) out.details = details as EdrConnector['details'];
    else delete out.details;
  }
  return out;
}

/** A vendor's finding: its connector, and a note when part of the answer is missing. */
export function finding(fields: ConnectorFields, note?: string): VendorFinding {
  return note ? { connector: connector(fields), note } : { connector: connector(fields) };
}

/** A vendor CLI's failure, worded for the note: "needs root" reads better than an exit code. */
export function cliProblem(what: string, result: ExecResult): string {
  if (!result.ok) return `${what}: ${result.reason}`;
  const text = `${result.stderr}\n${result.stdout}`;
  if (/must be run as root|requires root|permission denied|not permitted|access is denied|administrator/i.test(text))
    return `${what} needs root/administrator rights`;
  const first = (result.stderr.trim() || result.stdout.trim()).split(/\r?\n/)[0]?.slice(0, 160) ?? '';
  return `${what} exited with code ${result.code}${first ? `: ${first}` : ''}`;
}
