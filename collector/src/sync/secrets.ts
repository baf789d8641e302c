import { seal, unseal } from '@devtrust/shared/crypto';

/** Seals each secret field separately, bound to its integration and field name. */
export function sealSecrets(masterKey: Buffer, integrationId: string, secrets: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(secrets)) out[field] = seal(masterKey, value, `${integrationId}/${field}`);
  return out;
}

export function unsealSecrets(masterKey: Buffer, integrationId: string, sealed: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(sealed)) out[field] = unseal(masterKey, value, `${integrationId}/${field}`);
  return out;
}
