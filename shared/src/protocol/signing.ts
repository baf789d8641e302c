import type { UnsignedAgentMessage } from './messages.js';

/** What each message's signature (or a report's MAC) covers: the message less both, plus context. */
export function signedPayloadOf(message: UnsignedAgentMessage, context: { nonce: string; endpointId?: string }): Record<string, unknown> {
  const { signature: _signature, mac: _mac, ...rest } = message as Record<string, unknown>;
  const payload: Record<string, unknown> = { ...rest, nonce: context.nonce };
  // Enrollment has no endpoint yet; every later message is bound to the endpoint.
  if (message.type !== 'enroll') payload.endpointId = context.endpointId;
  // Enrollment keys are secrets: the signature proves key possession, not the key.
  delete payload.enrollmentKey;
  return payload;
}
