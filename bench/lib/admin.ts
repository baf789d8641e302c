import { ENROLLMENT_KEY, OWNER_TOKEN } from '../../test/support/collector.js';

export { ENROLLMENT_KEY, OWNER_TOKEN };

/** The admin REST API with the owner key; throws on an unexpected status. */
export async function admin(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  options: { contentType?: string; expect?: number[] } = {},
): Promise<any> {
  const headers: Record<string, string> = { authorization: `Bearer ${OWNER_TOKEN}` };
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await response.text();
  const parsed: any = text === '' ? null : safeJson(text);
  if (!(options.expect ?? [200, 201, 202, 204]).includes(response.status)) {
    throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 2000)}`);
  }
  return parsed;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A protected application's transaction API (HTTP Basic with its client credentials). */
export class AppClient {
  private readonly auth: string;
  constructor(
    private readonly baseUrl: string,
    credentials: { clientId: string; clientSecret: string },
  ) {
    this.auth = `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`;
  }

  static async create(baseUrl: string, policy: Record<string, unknown>): Promise<AppClient> {
    const created = await admin(baseUrl, 'POST', '/admin/v1/applications', {
      name: 'Bench app',
      redirectUris: ['http://127.0.0.1:9/callback'],
      policy,
    });
    return new AppClient(baseUrl, created);
  }

  async open(username: string): Promise<string> {
    const response = await fetch(`${this.baseUrl}/api/v1/transactions`, {
      method: 'POST',
      headers: { authorization: this.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ username }),
    });
    const body = (await response.json()) as { id: string };
    if (response.status !== 201) throw new Error(`opening a transaction answered ${response.status}: ${JSON.stringify(body)}`);
    return body.id;
  }

  async read(id: string): Promise<any> {
    const response = await fetch(`${this.baseUrl}/api/v1/transactions/${id}`, { headers: { authorization: this.auth } });
    if (response.status !== 200) throw new Error(`reading a transaction answered ${response.status}`);
    return response.json();
  }
}
