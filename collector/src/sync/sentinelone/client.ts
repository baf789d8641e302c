import { clientOptions, VendorClient, VendorError } from '../kit/index.js';
import type { SourceDeps } from '../source.js';
import type { S1Agent } from './map.js';

export interface S1Config {
  /** The management console URL, e.g. https://usea1-acme.sentinelone.net. */
  baseUrl: string;
  apiToken: string;
}

/** The v2.1 list envelope: `{data: [...], pagination: {nextCursor, totalItems}}`. */
interface S1Envelope {
  data?: S1Agent[];
  pagination?: { nextCursor?: unknown; totalItems?: unknown };
}

const AGENTS = 'web/api/v2.1/agents';
const PAGE_SIZE = 1_000; // the documented maximum `limit`
const MAX_PAGES = 10_000;

/**
 * SentinelOne Management API v2.1: `Authorization: ApiToken <token>`, cursor paging
 * through `pagination.nextCursor`.
 */
export class S1Client {
  private readonly sync: VendorClient;
  private readonly quick: VendorClient;
  private readonly headers: Record<string, string>;

  constructor(config: S1Config, deps: SourceDeps) {
    const options = clientOptions({
      vendor: 'SentinelOne',
      baseUrl: config.baseUrl,
      secrets: [config.apiToken],
      hints: {
        401: 'check the API token (tokens expire; generate a new one for the service user)',
        403: 'the API token lacks the Endpoints view permission for this scope',
        404: 'check the base URL (your management console URL)',
      },
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    this.sync = new VendorClient(options.sync);
    this.quick = new VendorClient(options.lookup);
    this.headers = { authorization: `ApiToken ${config.apiToken}` };
  }

  private async list(client: VendorClient, query: Record<string, string | number | undefined>, signal: AbortSignal): Promise<S1Envelope> {
    const response = await client.json<S1Envelope>({ path: AGENTS, query, headers: this.headers }, signal);
    if (!Array.isArray(response.body?.data)) throw new VendorError('VENDOR_BAD_RESPONSE', 'SentinelOne answered without a list of agents');
    return response.body as S1Envelope;
  }

  async count(signal: AbortSignal): Promise<number | null> {
    const total = Number((await this.list(this.sync, { limit: 1 }, signal)).pagination?.totalItems);
    return Number.isFinite(total) ? total : null;
  }

  async *agents(signal: AbortSignal): AsyncIterable<S1Agent[]> {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = await this.list(this.sync, { limit: PAGE_SIZE, cursor }, signal);
      const agents = body.data as S1Agent[];
      if (agents.length > 0) yield agents;
      const next = body.pagination?.nextCursor;
      if (typeof next !== 'string' || next === '' || agents.length === 0) return;
      if (next === cursor) throw new VendorError('VENDOR_BAD_RESPONSE', 'SentinelOne returned the same cursor twice');
      cursor = next;
    }
    throw new VendorError('VENDOR_BAD_RESPONSE', `SentinelOne listed more than ${MAX_PAGES} pages`);
  }

  /** The agent with this UUID (`?uuids=`); null when SentinelOne does not know it. */
  async agent(uuid: string, signal: AbortSignal): Promise<S1Agent | null> {
    const body = await this.list(this.quick, { uuids: uuid.trim().toLowerCase(), limit: 1 }, signal);
    return body.data?.[0] ?? null;
  }
}
