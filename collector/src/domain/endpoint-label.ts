/**
 * An endpoint as a message names it: its id first (what every command takes), then its hostname
 * in JSON quotes. The hostname is the agent's to choose and display-safe text may hold
 * parentheses and ids: unquoted, `LAB-PC-9 (ep_…victim…)` reads as another endpoint's id, and
 * a long one pushes the real id out of a cut table cell. `max` cuts the hostname, never the id.
 */
export function endpointLabel(endpoint: { id: string; hostname: string | null }, max = 256): string {
  if (!endpoint.hostname) return endpoint.id;
  const hostname = endpoint.hostname.length > max ? `${[...endpoint.hostname].slice(0, max - 1).join('')}…` : endpoint.hostname;
  return `${endpoint.id} ${JSON.stringify(hostname)}`;
}
