import type { ChannelErrorCode } from '@devtrust/shared/protocol';

/** What the admin API needs of the agent channel (ws/channel.ts): who is connected, and ending a session. */
export interface AgentConnections {
  isConnected(endpointId: string): boolean;
  disconnect(endpointId: string, code: ChannelErrorCode): void;
}
