import { ciscoSecureEndpointKind } from './cisco-secure-endpoint/kind.js';
import { crowdstrikeKind } from './crowdstrike/kind.js';
import { csvKind } from './csv/kind.js';
import { intuneKind } from './intune/kind.js';
import { jamfProKind } from './jamf-pro/kind.js';
import { kandjiKind } from './kandji/kind.js';
import { mobileIronCoreKind } from './mobileiron-core/kind.js';
import { sentinelOneKind } from './sentinelone/kind.js';
import type { AnySourceKind, SourceKind } from './source.js';
import { workspaceOneKind } from './workspace-one/kind.js';

/**
 * Every inventory source, in the order admins are offered them (MDM first, then EDR). A new
 * vendor is one folder under sync/ and one line here; test/sync/registry.test.ts fails when
 * a folder and this list disagree.
 */
export const KINDS: readonly AnySourceKind[] = [
  csvKind,
  workspaceOneKind,
  mobileIronCoreKind,
  intuneKind,
  jamfProKind,
  kandjiKind,
  ciscoSecureEndpointKind,
  crowdstrikeKind,
  sentinelOneKind,
];

const BY_NAME = new Map<string, SourceKind>(KINDS.map((k) => [k.kind, k as SourceKind]));

export function sourceKind(kind: string): SourceKind | undefined {
  return BY_NAME.get(kind);
}

export function sourceKinds(): string[] {
  return [...BY_NAME.keys()];
}
