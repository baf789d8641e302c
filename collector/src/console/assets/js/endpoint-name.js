// How the console names an endpoint wherever the name stands alone (a page heading, a
// confirmation, a list of the endpoints it waits on or for): its id first, then its hostname in
// JSON quotes, as the collector's messages and devtrustctl do (collector/src/domain/endpoint-label.ts).
// The agent chooses its hostname: "LAPTOP-12 (ep_…victim…)" must not read as another endpoint's
// id, nor a long one push the real id out of a dialog title. The hostname is cut, never the id.
import { badge, h, link } from './dom.js';
import { namesOtherEndpoint as namesOtherId } from './endpoint-id-skeleton.js';

/** Hostnames in a list of endpoints are cut as devtrustctl cuts the holders it lists. */
export const LISTED = 24;

/**
 * The hostname as shown: each run of spaces, wide ones included (U+3000, U+2000–U+200A, no-break),
 * as one ordinary space, none at either end. A browser already shows a run of ordinary spaces as
 * one; wide ones it keeps, and sixty U+3000 stretched a link across the row. They are not refused
 * (shared/src/identity/unsafe-text.ts): a Japanese computer name is typed with U+3000.
 */
export const shownHostname = (hostname) => (hostname ?? '').replace(/\s+/gu, ' ').trim();

/**
 * Whether the hostname holds an endpoint id that is not this endpoint's own: `LAPTOP-12
 * (ep_…victim…)` reads as another endpoint, and so does `ер_…victim…` in Cyrillic letters or with
 * U+2011 for '-' (endpoint-id-skeleton.js). Such hostnames are not refused (a real device's agent
 * would lose its hostname and an attacker nothing the mark does not take away); they are marked.
 */
export const namesOtherEndpoint = (endpoint) => namesOtherId(String(endpoint.id), endpoint.hostname);

/** The mark beside such a hostname; what devtrustctl's endpoints table prints too. */
export const OTHER_ID_MARK = 'hostname names another endpoint id';
export const otherIdBadge = (endpoint) => (namesOtherEndpoint(endpoint) ? badge(OTHER_ID_MARK, 'warn') : null);

/** ` "LAPTOP-12"` (cut to `max` characters), or '' without a hostname. */
export function quotedHostname(endpoint, max = 256) {
  const hostname = shownHostname(endpoint.hostname);
  if (!hostname) return '';
  const chars = [...hostname];
  return ` ${JSON.stringify(chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : hostname)}`;
}

/** `ep_… "LAPTOP-12"`: for headings and confirmations. */
export const endpointName = (endpoint, max) => `${endpoint.id}${quotedHostname(endpoint, max)}`;

/** In a list: the id, linked to the endpoint's page, then its hostname quoted. */
export const endpointItem = (endpoint) => [link(h('code', {}, endpoint.id), 'endpoints', endpoint.id), quotedHostname(endpoint, LISTED)];

/**
 * A table cell: the hostname, linked (what an admin knows the device by), with the id under it in
 * the same cell, whole: the id tells apart two endpoints whose hostnames read alike, or one whose
 * hostname imitates another's, and ids differ anywhere (a cut one hid the part that differed while
 * a hostname holding another id read as the row's). A hostname naming another id is marked.
 */
export function endpointCell(endpoint) {
  const hostname = shownHostname(endpoint.hostname);
  return [
    // .resource-name: a hostname of 200 characters without a space wraps rather than widening the column.
    h('div', { class: 'resource-name' }, link(hostname || endpoint.id, 'endpoints', endpoint.id)),
    hostname ? h('div', { class: 'endpoint-id' }, h('code', {}, endpoint.id)) : null,
    namesOtherEndpoint(endpoint) ? h('div', {}, otherIdBadge(endpoint)) : null,
  ];
}

/**
 * A table cell that names the endpoint where its page does not list it (the administrator
 * actions, the re-enrolled devices): `ep_… "LAPTOP-12"`, the id first and whole (wrapping rather
 * than cut: ids differ anywhere), linked unless the endpoint is gone, the hostname whole too (the
 * only name a forgotten endpoint keeps; it wraps in the cell), and a hostname naming
 * another id marked. Two blocked copies calling themselves `ep_…victim…` showed the victim's id
 * as their link text while their own ids were cut to an ellipsis.
 */
export function endpointLead(endpoint, { linked = true } = {}) {
  const id = h('code', {}, endpoint.id);
  return [
    h('div', { class: 'resource-name' }, linked ? link(id, 'endpoints', endpoint.id) : id, quotedHostname(endpoint)),
    namesOtherEndpoint(endpoint) ? h('div', {}, otherIdBadge(endpoint)) : null,
  ];
}
