/** The agent's version, reported to the collector and answered on /v1/ping. */
export const AGENT_VERSION = '0.1.0';
