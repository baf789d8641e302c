/** The `device_trust` claim DevTrust puts in the ID token. */
export interface DeviceTrust {
  verdict: 'trusted' | 'untrusted';
  access: 'allow' | 'deny';
  reasons: string[];
  endpointId: string | null;
  transactionId: string;
}

const escape = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Example app</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:640px;margin:48px auto;padding:0 16px;color:#1b1f24}
h1{font-size:1.4rem}pre{background:#f3f5f8;padding:12px;border-radius:6px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem}
.ok{color:#14692f}.bad{color:#a1261b}label{display:block;margin:12px 0 4px}
input{font-size:1rem;padding:6px 8px;width:100%;max-width:320px}button{font-size:1rem;padding:8px 16px;margin-top:12px}
</style></head><body><p><strong>Example protected app</strong></p>${body}</body></html>`;
}

/** Stands in for the application's own login: DevTrust checks devices, not passwords. */
export function signInPage(): string {
  return page(
    'Sign in',
    `<h1>Sign in</h1>
<form method="get" action="/"><label for="user">Username</label>
<input id="user" name="user" autocomplete="username" required>
<button type="submit">Continue</button></form>`,
  );
}

export function signedInPage(user: string, sub: string, trust: DeviceTrust | undefined, claims: object): string {
  const verdict = trust
    ? `<p class="${trust.verdict === 'trusted' ? 'ok' : 'bad'}" id="verdict">Device: <strong>${escape(trust.verdict)}</strong> (access ${escape(trust.access)})</p>`
    : '<p id="verdict">No device_trust claim.</p>';
  const reasons = trust ? `<ul id="reasons">${trust.reasons.map((r) => `<li>${escape(r)}</li>`).join('')}</ul>` : '';
  return page(
    'Signed in',
    `<h1 id="signed-in">Signed in as ${escape(sub)}</h1>
<p>You asked to sign in as ${escape(user)}; DevTrust checked this device.</p>
${verdict}${reasons}
<p>The verified ID token's claims:</p>
<pre id="claims">${escape(JSON.stringify(claims, null, 2))}</pre>
<p><a href="/">Sign in again</a></p>`,
  );
}

export function deniedPage(user: string, description: string): string {
  return page(
    'Access denied',
    `<h1 id="denied" class="bad">Access denied</h1>
<p>DevTrust did not let ${escape(user)} in from this device.</p>
<p id="reason">${escape(description)}</p>
<p><a href="/">Try again</a></p>`,
  );
}

export function failedPage(message: string): string {
  return page(
    'Sign-in failed',
    `<h1 id="failed" class="bad">Sign-in failed</h1><p id="error">${escape(message)}</p><p><a href="/">Start again</a></p>`,
  );
}
