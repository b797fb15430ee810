import type { StoredState } from '@rollout-guard/shared/store';
import { z } from 'zod';
import type { App } from '../app.ts';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { errorResponses, NameParams, Phase } from './api-schemas.ts';
import { guard } from './guard.ts';
import { rolloutOr404, wholeNumber } from './lookup.ts';
import { VerdictWord, type WaveVerdict, waveVerdict } from './wave-verdict.ts';

export const VerdictQuery = z.object({
  wave: z.string().regex(/^\d+$/).optional().meta({
    description: 'The wave asked about (1-based); default: the wave the rollout is in',
    example: '1',
  }),
});

export const VerdictAnswer = z
  .object({
    rollout: z.string(),
    flag: z.string(),
    phase: Phase,
    wave: z.object({ index: z.number().int(), percent: z.number(), of: z.number().int() }),
    currentWave: z.number().int().meta({ description: 'The wave the rollout is in (0 before wave 1)' }),
    verdict: VerdictWord.meta({
      description:
        'go | no-go | inconclusive (bake extended) | pending (no checkpoint yet) | paused | rollback | aborted',
    }),
    reason: z.string(),
    decisionId: z.string().nullable(),
    evidenceUrl: z
      .string()
      .nullable()
      .meta({ description: 'The decision with its evidence (a path on this API)' }),
    checkpointAt: z
      .number()
      .nullable()
      .meta({ description: 'When the current bake ends (epoch ms), if baking' }),
    owner: z.string().nullable().meta({
      description:
        "Who is paged: the rollout's owner as the verdict's decision recorded it, else as the spec says",
    }),
    runbook: z.string().nullable().meta({ description: "The rollout's runbook URL, likewise" }),
  })
  .meta({ id: 'WaveVerdict' });
export type VerdictAnswer = z.infer<typeof VerdictAnswer>;

/** The wave a controller asks about, within the rollout's waves; the current one by default. */
export function waveAskedFor(stored: StoredState, asked: string | undefined, name: string): number {
  const waves = stored.state.spec.spec.waves.length;
  if (asked === undefined) return Math.min(waves, Math.max(1, stored.state.wave));
  const index = wholeNumber(asked, 'wave');
  if (index > waves) {
    throw new AppError({
      code: 'BAD_REQUEST',
      message: `wave ${index} does not exist: rollout "${name}" has ${waves} waves; ask for a wave from 1 to ${waves}`,
    });
  }
  return index;
}

/** A wave's verdict with the rollout's position: the answer of the verdict route and of the Flagger hooks. */
export function verdictAnswer(stored: StoredState, verdict: WaveVerdict): VerdictAnswer {
  const s = stored.state;
  const name = s.spec.metadata.name;
  const id = verdict.decision?.id ?? null;
  return {
    rollout: name,
    flag: s.spec.spec.flag,
    phase: s.phase,
    wave: { ...verdict.wave, of: s.spec.spec.waves.length },
    currentWave: s.wave,
    verdict: verdict.verdict,
    reason: verdict.reason,
    decisionId: id,
    evidenceUrl:
      id === null ? null : `/api/v1/rollouts/${encodeURIComponent(name)}/decisions/${encodeURIComponent(id)}`,
    checkpointAt: s.deadline,
    owner: verdict.decision?.owner ?? s.spec.spec.owner ?? null,
    runbook: verdict.decision?.runbook ?? s.spec.spec.runbook ?? null,
  };
}

/** Decisions enough to find every wave's verdict of a long rollout with many alerts in between. */
export const VERDICT_DECISIONS = 500;

/**
 * `GET /api/v1/rollouts/{name}/verdict?wave=N`: the verdict of a wave, for Argo Rollouts' `web` metric
 * provider (deploy/argo-rollouts/). Always 200 for a known rollout: the controller reads `verdict`.
 */
export function registerVerdict(app: App, deps: ApiDeps): void {
  deps.openapi.registerPath({
    method: 'get',
    path: '/api/v1/rollouts/{name}/verdict',
    summary: 'The go / no-go verdict of a wave, for Argo Rollouts’ web metric provider',
    tags: ['controllers'],
    request: { params: NameParams, query: VerdictQuery },
    responses: {
      200: { description: 'The wave’s verdict', content: { 'application/json': { schema: VerdictAnswer } } },
      ...errorResponses(400, 404),
    },
  });

  app.get('/api/v1/rollouts/:name/verdict', ...guard(deps, 'read'), async function getVerdict(c) {
    const name = c.req.param('name');
    const { state } = await rolloutOr404(deps, name);
    const index = waveAskedFor(state, c.req.query('wave'), name);
    const decisions = await deps.store.listDecisions(name, { limit: VERDICT_DECISIONS });
    return c.json(verdictAnswer(state, waveVerdict(state.state, decisions, index)) satisfies VerdictAnswer);
  });
}
