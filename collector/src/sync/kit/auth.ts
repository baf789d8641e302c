import { VendorError } from './vendor-error.js';
import type { VendorClient } from './vendor-client.js';

/**
 * OAuth 2.0 client-credentials tokens, cached until shortly before they expire.
 * Used by Intune (Entra ID), Jamf Pro, CrowdStrike and Workspace ONE's OAuth mode.
 */
export class ClientCredentialsToken {
  private token: { value: string; expiresAt: number } | null = null;

  constructor(
    private readonly client: VendorClient,
    private readonly options: {
      /** Token endpoint: path on the client's base URL, or an absolute URL. */
      tokenPath: string;
      clientId: string;
      clientSecret: string;
      /** Extra form fields (scope, grant_type variants). */
      form?: Record<string, string>;
      /** Send credentials as HTTP Basic instead of form fields. */
      basicAuth?: boolean;
      signal: () => AbortSignal;
    },
  ) {}

  async header(refresh: boolean): Promise<Record<string, string>> {
    if (refresh || this.token === null || this.token.expiresAt <= Date.now()) this.token = await this.fetchToken();
    return { authorization: `Bearer ${this.token.value}` };
  }

  private async fetchToken(): Promise<{ value: string; expiresAt: number }> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', ...this.options.form });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (this.options.basicAuth) {
      headers.authorization = `Basic ${Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString('base64')}`;
    } else {
      form.set('client_id', this.options.clientId);
      form.set('client_secret', this.options.clientSecret);
    }
    const response = await this.client.json<{ access_token?: unknown; expires_in?: unknown }>(
      { method: 'POST', path: this.options.tokenPath, headers, body: form, noAuth: true },
      this.options.signal(),
    );
    const value = response.body?.access_token;
    if (typeof value !== 'string' || value === '') {
      throw new VendorError('VENDOR_BAD_RESPONSE', `${this.client.vendor} token endpoint answered without an access_token`);
    }
    const expiresIn = Number(response.body?.expires_in);
    const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 300_000;
    // Renew a minute early (or at half-life for short tokens) so no request carries a dying token.
    return { value, expiresAt: Date.now() + Math.max(lifetimeMs - 60_000, lifetimeMs / 2) };
  }
}

/** HTTP Basic credentials (MobileIron Core, Workspace ONE's Basic mode). */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
