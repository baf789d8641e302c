/**
 * A run told on its command line (`--collector`) to use a collector other than the one this
 * device is enrolled with, without `--re-enroll`. Enrolling there would replace the device key
 * and state.json: the enrollment with the first collector could not be got back (going back
 * makes a third endpoint, and each new one waits for an admin's release). A flag is typed for
 * one run (a diagnostic `--once`, a URL spelt another way, `localhost` for `127.0.0.1`), so
 * the agent stops before it touches anything and says which flag does what was meant. Managed
 * settings are not held back: a URL the MDM pushes is IT's decision (docs/agent.md).
 * The CLI exits 2 on it, as for any bad command line.
 */
export class EnrolledElsewhereError extends Error {
  readonly code = 'ENROLLED_ELSEWHERE';
  /** `enrolled.collectorUrl` is the stored enrollment's origin (parsed, so printable); its endpoint id is shown only if it looks like one. */
  constructor(
    readonly enrolled: { collectorUrl: string; endpointId: string },
    readonly collectorUrl: string,
  ) {
    const endpoint = /^[A-Za-z0-9_-]{1,64}$/.test(enrolled.endpointId) ? enrolled.endpointId : 'an endpoint';
    super(
      `this device is enrolled as ${endpoint} with ${enrolled.collectorUrl}, and --collector names ${collectorUrl}, another URL: nothing was changed. ` +
        `If ${collectorUrl} is the same collector under another URL, add --previous-collector-url ${enrolled.collectorUrl} to move the enrollment there; ` +
        `to replace it with a new enrollment with ${collectorUrl} (a new device key, which waits for an admin's approval), add --re-enroll; ` +
        `to try ${collectorUrl} without touching this enrollment, give it another --data-dir`,
    );
    this.name = 'EnrolledElsewhereError';
  }
}
