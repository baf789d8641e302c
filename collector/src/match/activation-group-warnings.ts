import { groupKey } from './activation.js';

/** Case, spaces and punctuation left out: "Eng-Team" and "eng team" read alike. */
const looseKey = (group: string): string => group.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

const members = (count: number): string => `${count} ${count === 1 ? 'user' : 'users'}`;

/**
 * Warnings for test groups no known user is in, compared as activation compares them
 * (match/activation.ts: without case or surrounding space). Such an activation applies to no one,
 * which looks like nothing happened: the newcomer typed `eng-team` for `Eng Team`. A known group
 * that differs only by spaces or punctuation is named. Warnings never block the change: a group
 * may be set up before its users are.
 */
export function activationGroupWarnings(groups: readonly string[], known: readonly { name: string; members: number }[]): string[] {
  const exact = new Set(known.map((g) => groupKey(g.name)));
  const warnings: string[] = [];
  for (const group of new Set(groups)) {
    if (exact.has(groupKey(group))) continue;
    const alike = known.find((g) => looseKey(g.name) !== '' && looseKey(g.name) === looseKey(group));
    warnings.push(
      alike
        ? `no user is in "${group}"; "${alike.name}" has ${members(alike.members)}`
        : `no user is in "${group}": the integration applies to no one in it until users are put in the group (devtrustctl groups lists the groups users are in)`,
    );
  }
  return warnings;
}
