import { createHmac, randomBytes } from 'node:crypto';

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/**
 * A signed request object (JAR, RFC 9101): the authorization parameters as a JWT signed
 * with the client secret (HS256). DevTrust verifies it and ignores every parameter outside
 * it, so whatever the browser changes in the URL, login_hint stays the user this app
 * signed in. Short-lived: it only has to survive the redirect.
 */
export function signedRequestObject(
  params: Record<string, string>,
  client: { clientId: string; clientSecret: string; issuer: string },
  now = Date.now(),
): string {
  const iat = Math.floor(now / 1000);
  const header = { alg: 'HS256', typ: 'oauth-authz-req+jwt' };
  const payload = {
    ...params,
    client_id: client.clientId,
    iss: client.clientId,
    aud: client.issuer,
    iat,
    exp: iat + 300,
    jti: randomBytes(12).toString('base64url'),
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', client.clientSecret).update(input).digest('base64url')}`;
}
