/**
 * The hostname cell of `devtrustctl endpoints`. The agent chooses its hostname, and one that holds
 * another endpoint's id (`LAPTOP-12 (ep_…victim…)`) reads as that endpoint in a table whose id
 * column sits a screen away. Such hostnames are not refused at the protocol (a real device's agent
 * would lose its hostname; an attacker gains nothing the mark does not take away): the cell is
 * marked first, where the table's cut never reaches, as the console marks it (endpoint-name.js).
 * Runs of spaces need nothing here: fitCell shows each run, wide spaces included, as one. Look-alikes
 * of the id (Cyrillic `ер_`, U+2011 hyphens) are read as the id (domain/endpoint-id-skeleton.ts).
 */
import { namesOtherEndpoint } from '../domain/endpoint-id-skeleton.js';

/** What marks the cell; the console's badge says the same. */
export const OTHER_ID_MARK = '[hostname names another endpoint id]';

export function hostnameCell(endpoint: Record<string, unknown>): unknown {
  const { id, hostname } = endpoint;
  if (typeof hostname !== 'string' || typeof id !== 'string' || !namesOtherEndpoint(id, hostname)) return hostname;
  return `${OTHER_ID_MARK} ${hostname}`;
}
