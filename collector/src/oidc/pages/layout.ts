import { randomBytes } from 'node:crypto';

/** What every page of the prompt shows and may load. */
export interface Branding {
  orgName: string;
  /** Absolute http(s) URL of the organisation's logo, or null. */
  logoUrl: string | null;
}

export interface PageSecurity {
  /** Origins the page may fetch from besides its own: the agent's loopback doors. */
  connect: string[];
  /** Origins images may come from besides our own: the logo's. */
  img: string[];
  /**
   * Pages the provider renders may auto-post a form to the application (form_post), so
   * only our own pages pin form-action to 'self'.
   */
  formActionSelf: boolean;
}

export const newNonce = (): string => randomBytes(18).toString('base64');

/**
 * A strict policy: nothing loads except our own inline script and style (by nonce), the
 * logo, and fetches to ourselves and the agent; no framing (clickjacking a sign-in page).
 */
export function contentSecurityPolicy(nonce: string, security: PageSecurity): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    ['img-src', "'self'", ...security.img].join(' '),
    ['connect-src', "'self'", ...security.connect].join(' '),
    "base-uri 'none'",
    ...(security.formActionSelf ? ["form-action 'self'"] : []),
    "frame-ancestors 'none'",
  ].join('; ');
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script type="application/json"> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

// System fonts only (no third-party assets); colours keep at least 4.5:1 contrast.
const STYLE = `
:root{color-scheme:light;--ink:#1b1f24;--muted:#4a5360;--line:#d5dae1;--bg:#f3f5f8;--card:#fff;--accent:#0a58a8;--accent-ink:#fff;--ok:#14692f;--bad:#a1261b;--warn-bg:#fff6e0;--bad-bg:#fdecea}
*{box-sizing:border-box}
html{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;padding:48px 16px}
main{width:100%;max-width:460px;background:var(--card);border:1px solid var(--line);border-radius:12px;padding:28px 32px;box-shadow:0 1px 3px rgba(0,0,0,.06)}
header.brand{display:flex;align-items:center;gap:12px;margin-bottom:20px;color:var(--muted);font-weight:600}
header.brand img{max-height:36px;max-width:160px}
h1{font-size:1.35rem;line-height:1.3;margin:0 0 8px}
[tabindex="-1"]:focus{outline:none}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.label{font-weight:600}
p{margin:0 0 12px}
.muted{color:var(--muted)}
.who{font-size:.95rem;color:var(--muted);margin-bottom:16px}
.who strong{color:var(--ink)}
.status{display:flex;align-items:center;gap:10px;margin:16px 0 4px;min-height:24px}
.status p{margin:0}
.spinner{width:18px;height:18px;flex:none;border:3px solid var(--line);border-top-color:var(--accent);border-radius:50%;animation:spin 0.9s linear infinite}
@keyframes spin{to{transform:rotate(360deg)}}
@media (prefers-reduced-motion:reduce){.spinner{animation:none;border-top-color:var(--line)}}
.panel{border-radius:8px;padding:14px 16px;margin:16px 0}
.panel.warn{background:var(--warn-bg);border:1px solid #e8c66a}
.panel.bad{background:var(--bad-bg);border:1px solid #e2a59f}
.panel h2{font-size:1.05rem;margin:0 0 8px}
.panel>:last-child{margin-bottom:0}
ol,ul{margin:0 0 12px;padding-left:22px}
li{margin-bottom:6px}
a{color:var(--accent)}
.button{display:inline-block;background:var(--accent);color:var(--accent-ink);text-decoration:none;font-weight:600;border:0;border-radius:8px;padding:10px 18px;margin:4px 8px 4px 0;font-size:1rem;cursor:pointer}
.button.secondary{background:transparent;color:var(--accent);border:2px solid var(--accent);padding:8px 16px}
a:focus-visible,.button:focus-visible,summary:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
details{margin-top:12px;font-size:.9rem;color:var(--muted)}
summary{cursor:pointer}
code{font-size:.85rem;word-break:break-all}
footer{margin-top:16px;font-size:.8rem;color:var(--muted)}
[hidden]{display:none!important}
`;

/** The document shell every page shares; `body` is trusted HTML built by the caller. */
export function layout(input: { title: string; nonce: string; branding: Branding; body: string; script?: string }): string {
  const { branding, nonce } = input;
  const logo = branding.logoUrl ? `<img src="${escapeHtml(branding.logoUrl)}" alt="">` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(input.title)} · ${escapeHtml(branding.orgName)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main>
<header class="brand">${logo}<span>${escapeHtml(branding.orgName)}</span></header>
${input.body}
</main>
<footer>Device check by DevTrust</footer>
${input.script ?? ''}
</body>
</html>`;
}
