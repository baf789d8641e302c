import { readTemplate } from '../templates.js';

/** A PowerShell single-quoted string literal: only ' needs escaping (doubled). */
export const psString = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** Intune custom detection script: the template with the expected collector filled in. */
export async function buildDetectPs1(collectorUrl: string): Promise<string> {
  const template = await readTemplate('intune/detect.ps1');
  return template.replace("'__COLLECTOR_URL__'", () => psString(collectorUrl)).replace(/\r?\n/g, '\r\n');
}
