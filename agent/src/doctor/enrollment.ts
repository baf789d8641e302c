import { unsafeCharacter } from '@devtrust/shared/identity/unsafe-text';
import { collectorAddress } from '../config/collector-url.js';
import { planEnrollment } from '../link/enrollment-plan.js';
import type { AgentState } from '../link/state.js';

/**
 * `devtrust-agent doctor`'s enrollment section, pure: the collector this agent is configured
 * for beside the enrollment its data directory holds, and what the next start will do with
 * it. The case IT support needs to catch is a URL change that would make the device enroll
 * again (and wait until an admin releases the old endpoint) where a move was meant.
 */
export interface EnrollmentDiagnosis {
  dataDir: string;
  /** The configured collector URL, or null: none set (`problem` null: not set up yet) or a setting refused (`problem`). */
  collectorUrl: string | null;
  previousCollectorUrls: string[];
  problem: string | null;
  /** What the agent would warn about these settings at start (an ignored setting, a dropped entry). */
  warnings?: string[];
  enrolled: { collectorUrl: string | null; endpointId: string } | null;
  movedFrom: { collectorUrl: string; at: string } | null;
  /**
   * What the next start does: keep the enrollment, move it, enroll again, enroll for the first
   * time, or refuse (`--collector` names another collector, without `--re-enroll`: the agent
   * exits 2 and changes nothing, link/enrolled-elsewhere.ts).
   */
  next: 'keep' | 'move' | 'reenroll' | 'refuse' | 'enroll' | 'unknown';
}

export function diagnoseEnrollment(
  state: AgentState,
  settings: {
    dataDir: string;
    collectorUrl: string | null;
    previousCollectorUrls: string[];
    problem: string | null;
    warnings?: string[];
    /** The collector URL is a `--collector` flag without `--re-enroll` (config keepOtherEnrollment). */
    keepOtherEnrollment?: boolean;
  },
): EnrollmentDiagnosis {
  const { keepOtherEnrollment, ...config } = settings;
  const enrolled = state.endpointId === null ? null : { collectorUrl: state.collectorUrl, endpointId: state.endpointId };
  const plan =
    config.collectorUrl === null || enrolled === null ? null : planEnrollment(state, config.collectorUrl, config.previousCollectorUrls);
  // The same test as the link's (agent-link.ts start): an enrollment whose collector can be named is held back.
  const refused = plan?.kind === 'reenroll' && keepOtherEnrollment === true && collectorAddress(plan.from) !== null;
  const next = config.collectorUrl === null ? 'unknown' : plan === null ? 'enroll' : refused ? 'refuse' : plan.kind;
  return { ...config, enrolled, movedFrom: state.movedFrom ?? null, next };
}

/**
 * What state.json holds, as a terminal may print it: anyone who can write the data directory
 * wrote it, and IT support reads doctor's output in their own terminal, where an escape
 * sequence would clear the screen, retitle the window or hide a line. Each character a person
 * cannot read is written as its code point instead.
 */
function printable(text: string): string {
  let out = '';
  for (const char of text) out += unsafeCharacter(char) === null ? char : `\\u{${char.codePointAt(0)!.toString(16)}}`;
  return out;
}

/**
 * No collector URL set anywhere: the state before the agent is set up (README, "Trust this
 * machine", runs doctor first), not a fault. The last line says so and what to do.
 */
function formatNotSetUp(d: EnrollmentDiagnosis): string {
  const where = `  state in ${d.dataDir}`;
  const set =
    '--collector URL --enrollment-key-file FILE, the DEVTRUST_AGENT_COLLECTOR_URL and DEVTRUST_AGENT_ENROLLMENT_KEY_FILE variables, or managed settings';
  if (d.enrolled === null)
    return [
      'Collector: none set yet',
      where,
      `Not enrolled yet: set the collector URL and the enrollment key (${set}, as the README's "Trust this machine" shows); the agent enrolls at its next start.`,
      '',
    ].join('\n');
  const from = d.enrolled.collectorUrl === null ? 'its collector' : printable(d.enrolled.collectorUrl);
  return [
    'Collector: none set now',
    where,
    `Enrolled as ${printable(d.enrolled.endpointId)} with ${from}, but the agent does not start without a collector URL: set it to ${from} again (as --collector URL, DEVTRUST_AGENT_COLLECTOR_URL or managed settings) to keep this enrollment.`,
    '',
  ].join('\n');
}

export function formatEnrollment(d: EnrollmentDiagnosis): string {
  if (d.collectorUrl === null && d.problem === null) return formatNotSetUp(d);
  // A refused setting stops the agent at start with this very message (its exit 2).
  const lines = [`Collector: ${d.collectorUrl ?? `the agent would not start: ${printable(d.problem ?? 'no collector URL')}`}`];
  if (d.previousCollectorUrls.length > 0) lines.push(`  earlier URLs of it (previousCollectorUrls): ${d.previousCollectorUrls.join(', ')}`);
  for (const warning of d.warnings ?? []) lines.push(`  warning: ${printable(warning)}`);
  const where = `  state in ${d.dataDir}`;
  if (d.enrolled === null) {
    lines.push(`  not enrolled${d.next === 'enroll' ? ': the agent enrolls with the enrollment key at its next start' : ''}`, where);
    return `${lines.join('\n')}\n`;
  }
  const from = d.enrolled.collectorUrl === null ? null : printable(d.enrolled.collectorUrl);
  const endpointId = printable(d.enrolled.endpointId);
  switch (d.next) {
    case 'keep':
      lines.push(`  enrolled as ${endpointId}`);
      break;
    case 'move':
      lines.push(`  enrolled as ${endpointId} with ${from}: the agent moves this enrollment to ${d.collectorUrl} at its next start`);
      break;
    case 'reenroll':
      lines.push(
        `  enrolled as ${endpointId} with ${from ?? 'an unnamed collector'}: at its next start the agent enrolls again with a new device key,`,
        '  and the new endpoint waits until an admin releases this one, as for a re-imaged device. If that is the same collector under a new URL,',
        `  list ${from ?? 'its old URL'} in previousCollectorUrls (docs/agent.md) before the agent restarts`,
      );
      break;
    case 'refuse':
      lines.push(
        `  enrolled as ${endpointId} with ${from}: run with --collector ${d.collectorUrl}, the agent refuses (exit 2) and changes nothing.`,
        `  --previous-collector-url ${from} moves this enrollment there (the same collector under another URL); --re-enroll replaces it`,
        '  with a new enrollment, whose endpoint waits until an admin releases this one',
      );
      break;
    default:
      lines.push(`  enrolled as ${endpointId} with ${from}`);
  }
  if (d.movedFrom) lines.push(`  moved from ${printable(d.movedFrom.collectorUrl)} on ${printable(d.movedFrom.at)}`);
  lines.push(where);
  return `${lines.join('\n')}\n`;
}
