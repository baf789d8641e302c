// How the console names an endpoint wherever the name stands alone (a page heading, a
// confirmation, a list of the endpoints it waits on or for): its id first, then its hostname in
// JSON quotes, as the collector's messages and devtrustctl do (collector/src/domain/endpoint-label.ts).
// The agent chooses its hostname: "LAPTOP-12 (ep_…victim…)" must not read as another endpoint's
// id, nor a long one push the real id out of a dialog title. The hostname is cut, never the id.
import { h, link } from './dom.js';

/** Hostnames in a list of endpoints are cut as devtrustctl cuts the holders it lists. */
export const LISTED = 24;

/** ` "LAPTOP-12"` (cut to `max` characters), or '' without a hostname. */
export function quotedHostname(endpoint, max = 256) {
  if (!endpoint.hostname) return '';
  const chars = [...endpoint.hostname];
  return ` ${JSON.stringify(chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : endpoint.hostname)}`;
}

/** `ep_… "LAPTOP-12"`: for headings and confirmations. */
export const endpointName = (endpoint, max) => `${endpoint.id}${quotedHostname(endpoint, max)}`;

/** In a list: the id, linked to the endpoint's page, then its hostname quoted. */
export const endpointItem = (endpoint) => [link(h('code', {}, endpoint.id), 'endpoints', endpoint.id), quotedHostname(endpoint, LISTED)];

/**
 * A table cell: the hostname, linked (what an admin knows the device by), with the id under it in
 * the same cell, cut to fit and whole in its tooltip: the id tells apart two endpoints whose
 * hostnames read alike, or one whose hostname imitates another's.
 */
export const endpointCell = (endpoint) => [
  // .resource-name: a hostname of 200 characters without a space wraps rather than widening the column.
  h('div', { class: 'resource-name' }, link(endpoint.hostname ?? endpoint.id, 'endpoints', endpoint.id)),
  endpoint.hostname ? h('div', { class: 'key-id' }, h('code', { title: endpoint.id }, endpoint.id)) : null,
];
