import { csvKind } from './csv/kind.js';
import { intuneKind } from './intune/kind.js';
import { jamfProKind } from './jamf-pro/kind.js';
import { kandjiKind } from './kandji/kind.js';
import { mobileIronCoreKind } from './mobileiron-core/kind.js';
import type { AnySourceKind } from './source.js';
import { workspaceOneKind } from './workspace-one/kind.js';

/** MDM inventory kinds; a new vendor is one folder under sync/ and one line here. */
export const MDM_KINDS: AnySourceKind[] = [csvKind, workspaceOneKind, mobileIronCoreKind, intuneKind, jamfProKind, kandjiKind];
