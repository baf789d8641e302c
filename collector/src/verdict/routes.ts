import type { Router } from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { displayText, unstorableCharacter } from '@devtrust/shared/identity';
import { operation } from '../http/operation.js';
import { exactRouter } from '../http/routing.js';
import { notFound, unauthorized } from '../errors.js';
import type { Services } from '../services/services.js';
import type { Application } from '../domain/application.js';
import { discloseVerdict } from '../policy/disclosure.js';
import { createdTransaction, transactionState } from './answers.js';

export const createTransaction = operation({
  summary: 'Open a transaction: one sign-in of one user to this application',
  description:
    "Valid 5 minutes. The user's agent attests it when the user opens devtrust://attest?tx=<id> in the tray app (docs/transaction-api.md). Too many per application per minute: 429 RATE_LIMITED with Retry-After.",
  // The username is shown on the prompt and in the tray's confirmation: display text only.
  body: z.strictObject({ username: displayText(256) }),
  responses: { 201: { description: '{id, expiresAt}: expiresAt an ISO 8601 string in UTC', schema: createdTransaction } },
});
const readTransaction = operation({
  summary: "A transaction's state and verdict",
  description:
    "Pending or expired: {id, state, endpointId: null, expiresAt}. Decided: {id, state, verdict, access, reasons, reference, assurance, endpointId, expiresAt, decidedAt}. Times are ISO 8601 strings in UTC. Another application's transaction is 404 NOT_FOUND.",
  responses: {
    200: {
      description:
        'pending or expired: {id, state, endpointId: null, expiresAt}; decided: {id, state, verdict, access, reasons, reference, assurance, endpointId, expiresAt, decidedAt}',
      schema: transactionState,
    },
  },
});

/** The transaction API applications call with their client credentials (HTTP Basic). */
export function verdictRouter(services: Services): Router {
  const { applications, transactions } = services;
  const router = exactRouter({ prefix: '/api/v1' });
  const limits = services.signInLimits;

  /** `counted`: the route already charged this address (creating a transaction does, first). */
  async function authenticateApplication(ctx: Context, counted = false): Promise<Application> {
    const credentials = basicCredentials(ctx.get('authorization'));
    const app = credentials ? await applications.authenticateClient(credentials.clientId, credentials.secret) : null;
    if (!credentials || !app) {
      // Every failed check costs the address, on every route: guessing secrets against the
      // read route is as limited as against the create route (a 429 once the budget is spent).
      if (!counted) limits.address(ctx.ip);
      ctx.set('WWW-Authenticate', 'Basic realm="devtrust"');
      throw unauthorized(
        credentials ? 'unknown client or wrong client secret' : 'send the application credentials as HTTP Basic clientId:clientSecret',
      );
    }
    return app;
  }

  /** Before the body is read: an unauthenticated caller learns nothing from validation errors. */
  async function chargedApplication(ctx: Context, next: Next): Promise<void> {
    // The address first, so guessing credentials is limited too; then the application.
    limits.address(ctx.ip);
    const app = await authenticateApplication(ctx, true);
    limits.application(app.id);
    ctx.state.application = app;
    await next();
  }

  router.post('/transactions', chargedApplication, createTransaction, async function createTx(ctx) {
    const app = ctx.state.application as Application;
    const { body } = createTransaction.input(ctx);
    const tx = await transactions.open(app.id, body.username);
    ctx.status = 201;
    ctx.body = { id: tx.id, expiresAt: new Date(tx.expiresAt).toISOString() };
  });

  /** Reading a transaction: the application first, then its request. */
  async function application(ctx: Context, next: Next): Promise<void> {
    ctx.state.application = await authenticateApplication(ctx);
    await next();
  }

  router.get('/transactions/:id', application, readTransaction, async function getTx(ctx) {
    const app = ctx.state.application as Application;
    const tx = await transactions.get(ctx.params.id as string);
    // Another application's transaction is as unknown as a missing one.
    if (!tx || tx.applicationId !== app.id) throw notFound('transaction');
    ctx.body = {
      id: tx.id,
      state: tx.state,
      // As much of the reasons as the application's reasonDetail allows; admins see all in the auth log.
      ...(tx.verdict ? discloseVerdict(app.reasonDetail, tx.verdict, tx.id) : {}),
      endpointId: tx.endpointId,
      expiresAt: new Date(tx.expiresAt).toISOString(),
      ...(tx.decidedAt ? { decidedAt: new Date(tx.decidedAt).toISOString() } : {}),
    };
  });
  return router;
}

/** Longest client ID or secret accepted; ours are far shorter (randomToken). */
const MAX_CREDENTIAL_LENGTH = 512;

/**
 * `Authorization: Basic base64(clientId:clientSecret)`, each part %-encoded as OAuth 2.0
 * (RFC 6749 section 2.3.1) has clients send it. Anything malformed (bad base64, no colon, a
 * broken %-escape) is null: the caller answers 401, as for wrong credentials.
 */
export function basicCredentials(header: string): { clientId: string; secret: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})$/i.exec(header);
  if (!match?.[1] || match[1].length > 4 * MAX_CREDENTIAL_LENGTH) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  try {
    const clientId = decodeURIComponent(decoded.slice(0, colon));
    const secret = decodeURIComponent(decoded.slice(colon + 1));
    // NUL or a lone surrogate is no credential of ours (and PostgreSQL cannot even look one up).
    const bad = (part: string): boolean => part.length > MAX_CREDENTIAL_LENGTH || unstorableCharacter(part) !== null;
    return bad(clientId) || bad(secret) ? null : { clientId, secret };
  } catch {
    return null; // URIError: a malformed %-escape
  }
}
