import { escapeHtml, layout, scriptJson, type Branding } from './layout.js';
import { PROMPT_SCRIPT } from './prompt-script.js';

export interface PromptPageInput {
  nonce: string;
  branding: Branding;
  appName: string;
  username: string;
  transactionId: string;
  /** Same-origin endpoints of this interaction. */
  statePath: string;
  finishPath: string;
  /** Where the agent's loopback door may answer, in the order to try. */
  agentOrigins: string[];
  downloadUrl: string | null;
  /** How long the collector waits for an agent before policy decides without one. */
  waitSeconds: number;
}

/**
 * The device check page. Every state is in the markup (hidden until the script shows it),
 * so the text is reviewable here and nothing is built from strings in the browser.
 */
export function promptPage(input: PromptPageInput): string {
  const org = escapeHtml(input.branding.orgName);
  const app = escapeHtml(input.appName);
  const attestLink = `devtrust://attest?tx=${encodeURIComponent(input.transactionId)}`;
  const download = input.downloadUrl
    ? `<li>Don’t have it yet? <a href="${escapeHtml(input.downloadUrl)}" rel="noopener" target="_blank">Download the DevTrust agent</a>, install it, then come back to this page.</li>`
    : `<li>Don’t have it? Ask your IT team to install the DevTrust agent on this device.</li>`;
  const config = {
    transactionId: input.transactionId,
    statePath: input.statePath,
    finishPath: input.finishPath,
    agentOrigins: input.agentOrigins,
  };
  const body = `<h1 id="title" tabindex="-1">Checking your device</h1>
<p class="who">Signing in to <strong>${app}</strong> as <strong>${escapeHtml(input.username)}</strong></p>
<p class="muted" id="intro">${org} checks the device you sign in to ${app} from. The DevTrust agent on this device tells ${org} whether it is one of the devices it manages.</p>

<div class="status" id="status-row"><span class="spinner" id="spinner" aria-hidden="true"></span><p id="status" role="status" aria-live="polite">Looking for the DevTrust agent on this device…</p></div>

<section class="panel warn" data-panel="no-agent" hidden aria-labelledby="no-agent-title">
<h2 id="no-agent-title" tabindex="-1">The DevTrust agent didn’t answer</h2>
<p>We couldn’t reach the DevTrust agent on this device. It may not be installed, or it may not be running.</p>
<ol>
<li>If DevTrust is installed, <a href="${escapeHtml(attestLink)}" id="open-agent">open the DevTrust app</a> to check this device.</li>
${download}
</ol>
<p class="muted">This page keeps waiting and continues as soon as the agent answers. After about ${input.waitSeconds} seconds without it, ${org}’s policy decides whether you may continue from this device.</p>
</section>

<section class="panel bad" data-panel="denied" data-heading="Access denied" hidden>
<p>${org} does not allow this device to sign in to ${app}.</p>
<p><span class="label">Reason:</span> <span id="denied-reason"></span></p>
<p>If you think this is wrong, contact your IT team and give them the reference below.</p>
<a class="button" id="return" href="${escapeHtml(input.finishPath)}">Return to ${app}</a>
<details><summary>Details for your IT team</summary><ul id="denied-reasons"></ul><p>Reference: <code>${escapeHtml(input.transactionId)}</code></p></details>
</section>

<section class="panel warn" data-panel="expired" data-heading="This check took too long" hidden>
<p>The device check expired before it finished.</p>
<a class="button" id="retry" href="">Check again</a>
</section>

<section class="panel bad" data-panel="failed" data-heading="We couldn’t finish the check" hidden>
<p>This sign-in is no longer valid. Go back to ${app} and sign in again.</p>
</section>

<noscript><div class="panel bad"><p>This check needs JavaScript. Turn it on for this site, or use a browser that allows it, then reload the page.</p></div></noscript>
<script type="application/json" id="dt-config">${scriptJson(config)}</script>`;
  return layout({
    title: `Checking your device for ${input.appName}`,
    nonce: input.nonce,
    branding: input.branding,
    body,
    script: `<script nonce="${input.nonce}">${PROMPT_SCRIPT}</script>`,
  });
}
