import type { UnsignedAgentMessage } from './messages.js';

/** What each message's signature (or a report's MAC) covers: the message less both, plus context. */
export function signedPayloadOf(message: UnsignedAgentMessage, context: { nonce: string; endpointId?: string }): Record<string, unknown> {
  // One copy of the message's members (the collector makes one per report it checks).
  const payload: Record<string, unknown> = {};
  for (const key in message) {
    // Enrollment keys are secrets: the signature proves key possession, not the key.
    if (Object.hasOwn(message, key) && key !== 'signature' && key !== 'mac' && key !== 'enrollmentKey') {
      payload[key] = (message as Record<string, unknown>)[key];
    }
  }
  payload.nonce = context.nonce;
  // Enrollment has no endpoint yet; every later message is bound to the endpoint.
  if (message.type !== 'enroll') payload.endpointId = context.endpointId;
  return payload;
}
