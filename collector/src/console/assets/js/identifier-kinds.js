// A device's identifiers as an admin reads them: each value with its kind, in the words the
// endpoint page and the dialogs' own sentences use ("every hardware UUID, serial number and
// MachineGuid"), the server's IDENTIFIER_LABELS (shared/src/identity/normalize.ts) capitalised.
// A bare list of values leaves an admin guessing which is the serial and which the UUID.
import { h, humanize } from './dom.js';

export const IDENTIFIER_KINDS = {
  hardwareUuid: 'Hardware UUID',
  serialNumber: 'Serial number',
  machineGuid: 'MachineGuid',
  macAddress: 'MAC address',
};

/** A kind the console does not know yet (a newer collector) still reads as words. */
export const identifierKind = (kind) => IDENTIFIER_KINDS[kind] ?? humanize(kind);

/**
 * `[{kind, value}]` as a list of "kind value" lines. The values come from agents' reports (an
 * attacker may choose them): they become text nodes, like everything h() builds.
 */
export function identifierList(identifiers) {
  return h(
    'dl',
    { class: 'identifiers' },
    identifiers.map((i) => [h('dt', {}, identifierKind(i.kind)), h('dd', {}, h('code', {}, i.value))]),
  );
}
