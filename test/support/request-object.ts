import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import type { CollectorOnDatabase } from './collector-on.js';

/** Sign-in requests as an application sends them to the collector's authorization endpoint, over real HTTP. */

export const REDIRECT_URI = 'http://127.0.0.1:9/callback';
export function requestObject(
  client: { clientId: string; clientSecret: string },
  issuer: string,
  claims: Record<string, unknown>,
  alg: 'HS256' | 'HS512' = 'HS256',
): string {
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const payload = {
    client_id: client.clientId,
    iss: client.clientId,
    aud: issuer,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    state: 'st',
    code_challenge: createHash('sha256').update('v'.repeat(64)).digest('base64url'),
    code_challenge_method: 'S256',
    login_hint: 'alice@example.com',
    ...claims,
  };
  for (const [key, value] of Object.entries(payload)) if (value === undefined) delete (payload as Record<string, unknown>)[key];
  const input = `${b64({ alg, typ: 'oauth-authz-req+jwt' })}.${b64(payload)}`;
  const hash = alg === 'HS256' ? 'sha256' : 'sha512';
  return `${input}.${createHmac(hash, client.clientSecret).update(input).digest('base64url')}`;
}

/** "started" when the provider began the device check; otherwise the error it answered with. */
export async function authorize(base: string, clientId: string, request: string): Promise<string> {
  const response = await fetch(`${base}/oidc/auth?${new URLSearchParams({ client_id: clientId, request })}`, { redirect: 'manual' });
  const text = await response.text();
  const location = response.headers.get('location') ?? '';
  if (response.status === 303 && location.includes('/oidc/interaction/')) return 'started';
  if (location) {
    const url = new URL(location);
    // The error comes in the query, or in the fragment for the response types that use one.
    const answer = url.searchParams.has('error') ? url.searchParams : new URLSearchParams(url.hash.slice(1));
    return `${answer.get('error')}: ${answer.get('error_description')}`;
  }
  assert.equal(response.status, 400, text.slice(0, 300));
  return /invalid_\w+: [^<]*/.exec(text)?.[0] ?? text.slice(0, 300);
}

/** The error page DevTrust shows for a refused request: its heading, what to do, and the details. */
export async function refusalPage(
  base: string,
  clientId: string,
  request: string,
  outside: Record<string, string> = {},
): Promise<{ title: string; alert: string; details: string }> {
  const response = await fetch(`${base}/oidc/auth?${new URLSearchParams({ client_id: clientId, request, ...outside })}`, {
    redirect: 'manual',
  });
  const html = await response.text();
  assert.equal(response.status, 400, `${response.headers.get('location') ?? ''} ${html.slice(0, 300)}`);
  assert.equal(response.headers.get('location'), null);
  const text = (pattern: RegExp): string =>
    (pattern.exec(html)?.[1] ?? '')
      .replace(/<[^>]+>/g, '')
      .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
      .trim();
  return {
    title: text(/<h1>([\s\S]*?)<\/h1>/),
    alert: text(/role="alert">([\s\S]*?)<\/div>/),
    details: text(/<details>([\s\S]*?)<\/details>/),
  };
}

/** Interactions stored now: a sign-in the provider started and nobody destroyed. */
export async function interactions(c: CollectorOnDatabase): Promise<number> {
  const [row] = await c.store.knex('oidc_payloads').where({ model: 'Interaction' }).count({ n: '*' });
  return Number(row?.n);
}

/** The same request object with `alg: none` and no signature. */
export function unsigned(request: string): string {
  const [, payload] = request.split('.');
  return `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'oauth-authz-req+jwt' })).toString('base64url')}.${payload}.`;
}
