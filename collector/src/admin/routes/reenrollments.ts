import type { Router } from '@koa/router';
import { z } from 'zod';
import type { ReenrollmentWindow } from '../../domain/reenrollment.js';
import { badRequest } from '../../errors.js';
import { adminActor } from '../../http/actor.js';
import { onlyRoles } from '../../http/auth.js';
import { operation } from '../../http/operation.js';
import { exactRouter } from '../../http/routing.js';
import { MAX_RELEASES_PER_CALL } from '../../services/reenrollments.js';
import type { Services } from '../../services/services.js';
import { instant } from '../instant.js';
import { decodeStringCursor, encodeCursor } from '../cursor.js';

const LISTING = 'reenrollments:enrolled';

const windowFields = {
  enrolledAfter: z.string().max(64).optional(),
  enrolledBefore: z.string().max(64).optional(),
};

const previewQuery = z.strictObject({
  ...windowFields,
  limit: z.coerce.number().int().min(1).max(MAX_RELEASES_PER_CALL).optional(),
  cursor: z.string().max(512).optional(),
});

const releaseBody = z.strictObject({
  ...windowFields,
  predecessorIds: z
    .array(z.string().min(1).max(64))
    .min(1)
    .max(MAX_RELEASES_PER_CALL)
    .refine((ids) => new Set(ids).size === ids.length, 'must not name an endpoint twice'),
  /** The newcomer the preview showed for each predecessor, in the same order: another one now is a change (409). */
  newcomerIds: z.array(z.string().min(1).max(64)).min(1).max(MAX_RELEASES_PER_CALL),
});

const preview = operation({
  summary: 'Preview a bulk release of re-enrolled devices (changes nothing)',
  description:
    'Each endpoint pending approval whose claims name one older endpoint (its predecessor, the same device under its old key) is a candidate when the predecessor went silent before the newcomer enrolled and stayed silent for DEVTRUST_REENROLLMENT_QUIET_MINUTES since, holds at least one hardware UUID, serial number or MachineGuid and the newcomer reports all of them, both report the same platform, no other pending endpoint waits on it, and no blocked or denied endpoint reports its identifiers; the others are `skipped` with a `reason`. `enrolledAfter`/`enrolledBefore` (ms, an ISO date alone read as midnight UTC, or an ISO date and time with its zone: one without is refused) narrow it to newcomers enrolled in that window. Candidates come a page at a time (`cursor`). The first page judges every pending endpoint: `skipped` lists the first `limit`, and `candidateCount`, `skippedCount` and `skippedByReason` count them all; a later page judges only the newcomers after its cursor, so it costs what the page holds, and its counts are null and `skipped` empty. Owner and admin only.',
  query: previewQuery,
  responses: {
    200: '{candidates: [{newcomer, predecessor, identifiers}], candidateCount, skipped: [{newcomer, heldBy, claims, reason, detail}], skippedCount, skippedByReason, nextCursor} (the counts null after the first page)',
  },
});

const release = operation({
  summary: 'Release the predecessors of re-enrolled devices, as the preview listed them',
  description: `Names at most ${MAX_RELEASES_PER_CALL} predecessors from the preview, with the same window, and (\`newcomerIds\`) the newcomer the preview showed for each, in the same order. Every one must still be a candidate with that newcomer, or nothing is released: 400 UNKNOWN_ENDPOINT / NOT_A_PREDECESSOR for ids no preview could list (a re-enrolled endpoint named by mistake: the message names the one it waits on), 409 REENROLLMENTS_CHANGED for those that no longer qualify. Each is then judged once more and released as POST /admin/v1/endpoints/:id/release does, in its own transaction with its own admin-log entry; \`unreached\` lists the named ones the call had no time left for (send them again). The call judges only the pairs it names (what is left: the preview's \`candidateCount\`). Owner and admin only.`,
  body: releaseBody,
  responses: {
    200: '{released: [{predecessorId, newcomerId, identifiers, freed, stillPending}], notReleased: [{predecessorId, reason, detail}], unreached}',
  },
});

function windowOf(input: { enrolledAfter?: string | undefined; enrolledBefore?: string | undefined }): ReenrollmentWindow {
  const enrolledAfter = instant(input.enrolledAfter, 'enrolledAfter');
  const enrolledBefore = instant(input.enrolledBefore, 'enrolledBefore');
  if (enrolledAfter !== undefined && enrolledBefore !== undefined && enrolledBefore <= enrolledAfter)
    throw badRequest('INVALID_REQUEST', 'enrolledBefore: must be after enrolledAfter', 'enrolledBefore');
  return { ...(enrolledAfter !== undefined ? { enrolledAfter } : {}), ...(enrolledBefore !== undefined ? { enrolledBefore } : {}) };
}

/**
 * `/admin/v1/reenrollments`: releasing re-enrolled devices in bulk, preview first. Owner and
 * admin only, the preview too: it lists which device keys an admin is about to retire.
 */
export function reenrollmentRoutes(services: Services): Router {
  const router = exactRouter();
  const guard = onlyRoles(['owner', 'admin'], 'preview or release re-enrolled endpoints');

  router.get('/reenrollments', guard, preview, async function previewReenrollments(ctx) {
    const { query } = preview.input(ctx);
    const window = windowOf(query);
    const after = query.cursor !== undefined ? decodeStringCursor(query.cursor, LISTING) : undefined;
    const shown = await services.reenrollments.preview(window, { limit: query.limit ?? 100, ...(after ? { after } : {}) });
    const { next, ...rest } = shown;
    ctx.body = { ...rest, nextCursor: next ? encodeCursor(LISTING, next) : null };
  });

  router.post('/reenrollments/release', guard, release, async function releaseReenrollments(ctx) {
    const { body } = release.input(ctx);
    const done = await services.reenrollments.release(windowOf(body), body.predecessorIds, adminActor(ctx), body.newcomerIds);
    services.log.info(
      {
        released: done.released.length,
        notReleased: done.notReleased.length,
        unreached: done.unreached.length,
        apiKeyId: ctx.state.apiKey?.id,
      },
      're-enrolled endpoints released',
    );
    ctx.body = done;
  });
  return router;
}
