/**
 * The hostname cell of `devtrustctl endpoints`. The agent chooses its hostname, and one that holds
 * another endpoint's id (`LAPTOP-12 (ep_…victim…)`) reads as that endpoint in a table whose id
 * column sits a screen away. Such hostnames are not refused at the protocol (a real device's agent
 * would lose its hostname; an attacker gains nothing the mark does not take away): the cell is
 * marked first, where the table's cut never reaches, as the console marks it (endpoint-name.js).
 * Runs of spaces need nothing here: fitCell shows each run, wide spaces included, as one.
 */

/** What marks the cell; the console's badge says the same. */
export const OTHER_ID_MARK = '[hostname names another endpoint id]';

const ENDPOINT_ID = /ep_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/giu;

/** Whether `hostname` holds an endpoint id other than `id`, the endpoint's own. */
export function namesOtherEndpoint(id: string, hostname: string | null | undefined): boolean {
  return [...(hostname ?? '').matchAll(ENDPOINT_ID)].some((m) => m[0].toLowerCase() !== id.toLowerCase());
}

export function hostnameCell(endpoint: Record<string, unknown>): unknown {
  const { id, hostname } = endpoint;
  if (typeof hostname !== 'string' || typeof id !== 'string' || !namesOtherEndpoint(id, hostname)) return hostname;
  return `${OTHER_ID_MARK} ${hostname}`;
}
