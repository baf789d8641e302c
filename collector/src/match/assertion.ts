import type { Platform } from '@devtrust/shared/identity';
import { mdmAssertionVerifies } from '@devtrust/shared/crypto';
import { MDM_DEVICE_ID_VARIABLES, normalizeMdmDeviceId, unresolvedMdmVariable } from '@devtrust/shared/identity';
import type { MdmAssertion } from '@devtrust/shared/protocol';
import type { StoredInventoryRecord } from '../domain/inventory.js';
import type { Assurance } from '../domain/verdict.js';
import type { IntegrationView, MatchResult } from './match.js';

/** A record holding the asserted MDM device ID, with its integration's configuration key (null: none, or it does not open). */
export interface AssertedCandidate {
  record: StoredInventoryRecord;
  key: string | null;
}

export interface AssertionFacts {
  assertion: MdmAssertion | null;
  /** The endpoint's device key: the proof is bound to it. */
  publicKey: string;
  platform: Platform | null;
  candidates: AssertedCandidate[];
}

export interface AssertionOutcome {
  match: MatchResult;
  assurance: Assurance | null;
  /** The record the assertion proved (its posture may speak for the device). */
  asserted: StoredInventoryRecord | null;
}

const TRUSTED_BY_IDENTIFIERS = 'assurance: trusted by identifiers';

/**
 * MDM-asserted identity, pure: the device ID the MDM pushed must name a managed record of
 * an MDM integration active for the user, and the proof must verify with that
 * integration's configuration key for this device's public key. A wrong, old or missing
 * key never yields `mdm_asserted`. When the identifiers matched too, the assertion must name
 * the same record; when they are flagged (clones, duplicates) it is not used either.
 */
export function judgeAssertion(match: MatchResult, facts: AssertionFacts, views: IntegrationView[]): AssertionOutcome {
  const identifiersOnly = (note: string | null): AssertionOutcome => ({
    match: withAssurance(match, note),
    assurance: match.trusted ? 'identifiers' : null,
    asserted: null,
  });
  const { assertion } = facts;
  if (assertion === null) return identifiersOnly(null);
  const raw = assertion.deviceId;
  const shown = JSON.stringify(raw.slice(0, 64));
  if (unresolvedMdmVariable(raw))
    return identifiersOnly(
      `MDM-asserted identity not used: the trusted endpoint identifier ${shown} is an MDM variable the MDM did not fill in`,
    );
  const value = normalizeMdmDeviceId(raw);
  if (value === null) return identifiersOnly(`MDM-asserted identity not used: ${shown} is not a usable MDM device ID`);
  const label = `MDM device ID ${value}`;
  const usable = new Map(
    views
      .filter((v) => v.integration.category === 'mdm' && v.inactiveReason === null)
      .filter((v) => facts.platform === null || v.integration.platforms.includes(facts.platform))
      .map((v) => [v.integration.id, v.integration]),
  );
  const notes: string[] = [];
  const valid = new Map<string, StoredInventoryRecord[]>();
  for (const { record, key } of facts.candidates) {
    const integration = usable.get(record.integrationId);
    if (!integration) continue;
    const where = `"${integration.name}" (${integration.kind})`;
    if (key === null) notes.push(`${label} is in ${where}, which has no trusted endpoints configuration key yet`);
    else if (!mdmAssertionVerifies(key, raw, facts.publicKey, assertion.proof))
      notes.push(
        `${label} is in ${where}, but its proof does not verify with that integration's configuration key (a wrong or rotated key)`,
      );
    else if (record.platform && facts.platform && record.platform !== facts.platform)
      notes.push(`${label} is in ${where} for a ${record.platform} device, but this device reports ${facts.platform}`);
    else if (record.managed === false) notes.push(`${label} is in ${where} but the device is not managed there`);
    else valid.set(integration.id, [...(valid.get(integration.id) ?? []), record]);
  }
  const proven: StoredInventoryRecord[] = [];
  for (const [integrationId, records] of valid) {
    if (records.length === 1) proven.push(records[0] as StoredInventoryRecord);
    else
      notes.push(
        `${label} is held by ${records.length} records of "${(usable.get(integrationId) ?? { name: '' }).name}"; it is not trusted`,
      );
  }
  const record = proven[0];
  if (record === undefined) {
    if (notes.length === 0) notes.push(`no record of an MDM integration that applies holds ${label}`);
    return identifiersOnly(`MDM-asserted identity not used: ${notes.join('; ')}`);
  }
  const integration = usable.get(record.integrationId) as IntegrationView['integration'];
  const name = record.deviceName ? ` "${record.deviceName}"` : '';
  const variable = MDM_DEVICE_ID_VARIABLES[integration.kind]?.variable;
  const proof = `${label}${variable ? ` (${variable})` : ''} of record${name} of integration "${integration.name}" (${integration.kind}), proven with its configuration key`;
  if (match.flags.length > 0) return identifiersOnly(`MDM-asserted identity not used while this device's identifiers are flagged`);
  if (match.trusted && match.match !== null) {
    if (match.match.recordId !== record.id)
      return identifiersOnly(`MDM-asserted identity not used: it names another record than the device's identifiers match (${proof})`);
    return { match: withAssurance(match, `trusted, MDM-asserted: ${proof}`), assurance: 'mdm_asserted', asserted: record };
  }
  // Proven, and the hardware identifiers did not match (a mobile client reports none).
  return {
    match: {
      trusted: true,
      match: {
        integrationId: integration.id,
        integrationName: integration.name,
        integrationKind: integration.kind,
        recordId: record.id,
        deviceName: record.deviceName ?? null,
        kind: 'mdmDeviceId',
        value,
      },
      reasons: [
        `trusted: ${label} matches record${name} of integration "${integration.name}" (${integration.kind})`,
        ...match.reasons.filter((r) => !r.startsWith('untrusted:')),
        `assurance: trusted, MDM-asserted: ${proof}`,
      ],
      flags: match.flags,
    },
    assurance: 'mdm_asserted',
    asserted: record,
  };
}

/**
 * Adds the assurance line after the match's first reason (its headline). Without any
 * assertion reported nothing is added: the verdict's `assurance` says "identifiers".
 */
function withAssurance(match: MatchResult, note: string | null): MatchResult {
  if (note === null) return match;
  if (!match.trusted) return { ...match, reasons: [...match.reasons, note] };
  const line = note.startsWith('trusted, MDM-asserted') ? `assurance: ${note}` : `${TRUSTED_BY_IDENTIFIERS}; ${note}`;
  const [first, ...rest] = match.reasons;
  return { ...match, reasons: [first as string, line, ...rest] };
}
