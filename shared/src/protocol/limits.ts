/** Every limit of the agent channel and the loopback door, declared once. */
export const LIMITS = {
  /** Largest WebSocket frame either side accepts (ws `maxPayload`). */
  maxFrameBytes: 64 * 1024,
  /** A connection that has not enrolled or authenticated by then is closed. */
  authTimeoutMs: 5_000,
  /** Largest JSON body the collector's HTTP API and the loopback door accept. */
  maxHttpBodyBytes: 256 * 1024,
  /** Deepest nesting of arrays and objects in a JSON body or frame (no real message nests past 6). */
  maxJsonDepth: 32,
  /**
   * Largest CSV inventory accepted in one upload. The upload is parsed as it streams in, so
   * this bounds the time an upload takes, not the collector's memory: a million rows with
   * every column is about 150 MB.
   */
  maxCsvBytes: 256 * 1024 * 1024,
  /** How many reports per endpoint the collector keeps as history. */
  reportHistory: 20,
  /** Default interval between periodic reports. */
  reportIntervalSec: 15 * 60,
  /** How long a transaction waits for an attestation. */
  transactionTtlSec: 300,
  /**
   * Longest hardware identifier (serial number, hardware UUID, machine GUID, MAC address,
   * EDR connector ID) accepted from an agent, a CSV row or a vendor. Real ones are under
   * 64 characters; the agent drops longer probe values at this length too.
   */
  maxIdentifierLength: 256,
  /** Longest hostname (RFC 1035: 253 characters written out). */
  maxHostnameLength: 253,
  /** Longest device name or owner in an uploaded inventory row. */
  maxDeviceTextLength: 256,
} as const;

export const PROTOCOL_VERSION = 1 as const;
export const AGENT_CHANNEL_PATH = '/agent/v1';
/** The agent's loopback door tries these ports in order. */
export const LOOPBACK_PORTS = [53100, 53101, 53102, 53103, 53104, 53105, 53106, 53107] as const;
