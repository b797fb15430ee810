/**
 * Every Kubernetes manifest under deploy/ against the Kubernetes API schemas of its kind (kubernetes-models,
 * Argo Rollouts' models, Flagger's published Canary CRD), and the controller examples against the routes
 * they call.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLAGGER_HOOKS } from '../../services/collector/src/api/flagger-gate.ts';
import { VERDICT_WORDS } from '../../services/collector/src/api/wave-verdict.ts';
import { deployDir, root } from './deploy-files.ts';
import { kubernetesManifests, type ManifestObject, validators } from './kubernetes-schemas.ts';

const FLAGGER_CRD = join(root, 'test/deploy/vendor/flagger-canary-crd.yaml');
const schemas = validators(FLAGGER_CRD);
const manifests = kubernetesManifests(root, deployDir);

function problems(manifest: Pick<ManifestObject, 'apiVersion' | 'kind' | 'object'>): string[] {
  const validate = schemas[`${manifest.apiVersion}/${manifest.kind}`];
  if (validate === undefined) return [`no schema for ${manifest.apiVersion} ${manifest.kind}`];
  return validate(manifest.object);
}

function only(kind: string): ManifestObject {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** A deep copy of `object` changed by `change`. */
function changed(
  manifest: ManifestObject,
  change: (object: Record<string, unknown>) => void,
): ManifestObject {
  const object = structuredClone(manifest.object);
  change(object);
  return { ...manifest, object };
}

// biome-ignore lint/suspicious/noExplicitAny: manifests are read loosely, their schemas were checked above
type Loose = any;

describe('deploy/ manifests against the Kubernetes API schemas', () => {
  it('finds the manifests of every deployment form', () => {
    const kinds = new Set(manifests.map((m) => m.kind));
    for (const kind of ['Namespace', 'Secret', 'Deployment', 'Service', 'PodDisruptionBudget']) {
      expect(kinds).toContain(kind);
    }
    for (const kind of ['Rollout', 'AnalysisTemplate', 'Canary']) expect(kinds).toContain(kind);
  });

  it.each(manifests.map((m) => [m.source, m] as const))('%s is valid for its kind', (_source, manifest) => {
    expect(problems(manifest)).toEqual([]);
  });

  it('refuses what the API server would refuse or silently drop', () => {
    const deployment = manifests.find((m) => m.kind === 'Deployment')!;
    expect(
      problems(
        changed(deployment, (o: Loose) => {
          o.spec.template.spec.containers[0].ports[0].containerPort = 'http';
        }),
      ).join(),
    ).toContain('containerPort must be integer');
    const template = only('AnalysisTemplate');
    expect(
      problems(
        changed(template, (o: Loose) => {
          delete o.spec.metrics[0].provider.web.url;
        }),
      ).join(),
    ).toContain('web must have required property url');
    expect(
      problems(
        changed(template, (o: Loose) => {
          o.spec.metrics[0].interval = 60;
        }),
      ).join(),
    ).toContain('interval must be string');
    const rollout = only('Rollout');
    expect(
      problems(
        changed(rollout, (o: Loose) => {
          o.spec.strategy.canary.steps[0].setWeight = 'quarter';
        }),
      ).join(),
    ).toContain('setWeight must be integer');
    const canary = only('Canary');
    expect(
      problems(
        changed(canary, (o: Loose) => {
          o.spec.analysis.webhooks[0].type = 'confirm-everything';
        }),
      ).join(),
    ).toContain('must be equal to one of the allowed values');
    expect(
      problems(
        changed(canary, (o: Loose) => {
          o.spec.analysis.stepWeigths = o.spec.analysis.stepWeights;
        }),
      ).join(),
    ).toContain('must NOT have additional properties');
    expect(problems({ apiVersion: 'batch/v1', kind: 'Job', object: {} })).toEqual([
      'no schema for batch/v1 Job',
    ]);
  });
});

describe('the Argo Rollouts example', () => {
  const template: Loose = only('AnalysisTemplate').object;
  const rollout: Loose = only('Rollout').object;
  const metric = template.spec.metrics[0];

  it('asks the verdict route of the rollout and wave its args name, with a bearer token', () => {
    expect(metric.provider.web.url).toMatch(
      /^http:\/\/rollout-guard-collector\.rollout-guard\.svc:4318\/api\/v1\/rollouts\/\{\{args\.rollout\}\}\/verdict\?wave=\{\{args\.wave\}\}$/,
    );
    expect(metric.provider.web.headers).toEqual([{ key: 'Authorization', value: 'Bearer {{args.token}}' }]);
    expect(template.spec.args.map((a: Loose) => a.name)).toEqual(['rollout', 'wave', 'token']);
  });

  it('succeeds on go, fails on the stopping verdicts and leaves the others inconclusive', () => {
    expect(metric.successCondition).toBe('result.verdict == "go"');
    const failing = /^result\.verdict in \[(.*)\]$/.exec(metric.failureCondition)?.[1];
    const words = (failing ?? '').split(',').map((w) => JSON.parse(w.trim()) as string);
    expect(words).toEqual(['no-go', 'rollback', 'aborted']);
    const inconclusive = VERDICT_WORDS.filter((w) => w !== 'go' && !words.includes(w));
    expect(inconclusive).toEqual(['inconclusive', 'pending', 'paused']);
    expect(metric).toMatchObject({ consecutiveSuccessLimit: 1, failureLimit: 0 });
    expect(metric.inconclusiveLimit).toBeGreaterThan(0);
  });

  it('runs one analysis per wave after each weight, naming the template and every arg it needs', () => {
    const steps = rollout.spec.strategy.canary.steps as Loose[];
    const analyses = steps.filter((s) => s.analysis !== undefined);
    expect(analyses.map((s) => s.analysis.args.find((a: Loose) => a.name === 'wave').value)).toEqual([
      '1',
      '2',
      '3',
    ]);
    for (const [index, step] of steps.entries()) {
      if (step.analysis === undefined) continue;
      expect(steps[index - 1]?.setWeight).toBeGreaterThan(0);
      expect(step.analysis.templates).toEqual([{ templateName: template.metadata.name }]);
      const given = step.analysis.args.map((a: Loose) => a.name);
      const needed = template.spec.args.filter(
        (a: Loose) => a.value === undefined && a.valueFrom === undefined,
      );
      expect(given).toEqual(needed.map((a: Loose) => a.name));
    }
  });
});

describe('the Flagger example', () => {
  const canary: Loose = only('Canary').object;

  it('calls the Flagger route of each hook type, naming the rollout', () => {
    const hooks = canary.spec.analysis.webhooks as Loose[];
    expect(hooks.map((h) => h.type).sort()).toEqual([...FLAGGER_HOOKS].sort());
    for (const hook of hooks) {
      expect(hook.url).toBe(
        `http://rollout-guard-collector.rollout-guard.svc:4318/api/v1/flagger/${hook.type}`,
      );
      expect(hook.metadata).toMatchObject({ rollout: 'checkout-redesign', token: expect.any(String) });
    }
  });
});
