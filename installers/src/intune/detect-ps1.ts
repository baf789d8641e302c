import { readTemplate } from '../templates.js';

/** A PowerShell single-quoted string literal: only ' needs escaping (doubled). */
export const psString = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** Intune custom detection script: the template with the expected collector filled in. */
export async function buildDetectPs1(collectorUrl: string): Promise<string> {
  const template = await readTemplate('intune/detect.ps1');
  return template.replace("'__COLLECTOR_URL__'", () => psString(collectorUrl)).replace(/\r?\n/g, '\r\n');
}

/**
 * The loopback-trust script (windows/trust-loopback.ps1): trusts each user's loopback
 * certificate and sets the Chrome/Edge local-network policies. Filled in with the collector
 * for Intune; the MSI ships it unfilled and it reads the collector from the MSI's policy value.
 */
export async function buildTrustLoopbackPs1(collectorUrl: string | null): Promise<string> {
  const template = await readTemplate('windows/trust-loopback.ps1');
  const filled = collectorUrl === null ? template : template.replace("'__COLLECTOR_URL__'", () => psString(collectorUrl));
  return filled.replace(/\r?\n/g, '\r\n');
}
