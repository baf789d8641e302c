import { readFile } from 'node:fs/promises';
import { deviceIdentitySchema, type DeviceIdentity } from '@devtrust/shared/identity';
import { PLAIN_ISSUES, describeIssue } from '@devtrust/shared/protocol';
import { AgentConfigError } from '../config/config.js';

/** Reads `--identity FILE`: identifiers that replace the collected ones (simulation, tests). */
export async function readIdentityFile(file: string): Promise<DeviceIdentity> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new AgentConfigError('--identity', `cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = deviceIdentitySchema.safeParse(json, PLAIN_ISSUES);
  if (!parsed.success) throw new AgentConfigError('--identity', `${file}: ${describeIssue(parsed.error)}`);
  return parsed.data;
}
