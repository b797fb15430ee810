/**
 * docs/wiring-your-flag-system.md cannot rot: every rollout spec in it is accepted by the spec parser,
 * every Kubernetes object is valid for its kind, and the controller sections agree with the examples
 * under deploy/ they describe.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec, type RolloutSpec } from '@rollout-guard/shared/spec';
import { WebhookEvent } from '@rollout-guard/shared/webhooks';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pagerDutyEvents } from '../../services/evaluator/src/delivery/formats/pagerduty.ts';
import { headline } from '../../services/evaluator/src/delivery/summary.ts';
import { root } from '../deploy/deploy-files.ts';
import { validators } from '../deploy/kubernetes-schemas.ts';

const page = readFileSync(join(root, 'docs/wiring-your-flag-system.md'), 'utf8');
const schemas = validators(join(root, 'test/deploy/vendor/flagger-canary-crd.yaml'));

/** The text of one `## ` section. */
function sectionText(section: string): string {
  const start = page.indexOf(`\n## ${section}\n`);
  if (start < 0) throw new Error(`no section "${section}" in docs/wiring-your-flag-system.md`);
  const end = page.indexOf('\n## ', start + 1);
  return page.slice(start, end < 0 ? undefined : end);
}

/** The ```yaml blocks of one `## ` section. */
function yamlBlocks(section: string): string[] {
  return [...sectionText(section).matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

function specsOf(section: string): RolloutSpec[] {
  return yamlBlocks(section)
    .filter((block) => block.startsWith('apiVersion: rollout-guard/v1'))
    .map((block) => {
      const result = parseSpec(block);
      if (!result.ok) throw new Error(`${section}: ${JSON.stringify(result.problems)}`);
      return result.spec;
    });
}

// biome-ignore lint/suspicious/noExplicitAny: manifests are read loosely after their schema check
type Loose = any;

/** Alertmanager configuration files, checked by Alertmanager's own amtool. */
const isAlertmanagerConfig = (block: string) => block.startsWith('route:');

function objectsOf(section: string): Loose[] {
  return yamlBlocks(section)
    .filter((block) => !block.startsWith('apiVersion: rollout-guard/v1') && !isAlertmanagerConfig(block))
    .map((block) => parse(block));
}

const deployYaml = (path: string): Loose => parse(readFileSync(join(root, 'deploy', path), 'utf8'));

const SECTIONS = [
  'Unleash',
  'LaunchDarkly',
  'Flagsmith',
  'Argo Rollouts',
  'Flagger',
  'Slack',
  'PagerDuty',
  'Alertmanager',
];

describe('docs/wiring-your-flag-system.md', () => {
  it('checks every section that has a snippet', () => {
    const withSnippets = [...page.matchAll(/\n## (.+)\n/g)]
      .map((m) => m[1]!)
      .filter((section) => yamlBlocks(section).length > 0);
    expect(withSnippets.sort()).toEqual([...SECTIONS].sort());
  });

  it('Alertmanager: the routing example is a configuration Alertmanager accepts', () => {
    const configs = yamlBlocks('Alertmanager').filter(isAlertmanagerConfig);
    expect(configs.length).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'rollout-guard-docs-'));
    try {
      for (const [i, config] of configs.entries()) {
        const file = join(dir, `alertmanager-${i}.yml`);
        writeFileSync(file, config);
        // Debian's prometheus-alertmanager ships amtool; .ci/run installs it. Throws on a refused config.
        execFileSync(process.env.AMTOOL_BIN ?? 'amtool', ['check-config', file], { stdio: 'pipe' });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Unleash, PagerDuty and Alertmanager: the targets as the sections describe them', () => {
    const [unleash] = specsOf('Unleash');
    for (const action of ['rollback', 'advance'] as const) {
      expect(unleash?.spec.actions[action]).toEqual([
        expect.objectContaining({ format: 'unleash', project: 'default', environment: 'production' }),
      ]);
      expect(unleash?.spec.actions[action][0]).not.toHaveProperty('strategyId');
    }
    expect(specsOf('PagerDuty')[0]?.spec.actions.alert).toEqual([
      expect.objectContaining({ format: 'pagerduty', url: 'https://events.pagerduty.com/v2/enqueue' }),
    ]);
    expect(specsOf('Alertmanager')[0]?.spec.actions.alert.map((t) => t.format)).toEqual([
      'alertmanager-v2',
      'alertmanager',
    ]);
  });

  it.each(SECTIONS)('%s: every rollout spec parses, every Kubernetes object fits its schema', (section) => {
    expect(specsOf(section).length).toBeGreaterThan(0);
    for (const object of objectsOf(section)) {
      const validate = schemas[`${object.apiVersion}/${object.kind}`];
      expect(validate, `${section}: ${object.apiVersion} ${object.kind}`).toBeDefined();
      expect(validate?.(object)).toEqual([]);
    }
  });

  it('LaunchDarkly and Flagsmith: rollback and advance go to the flag system, advance with its ids', () => {
    const [ld] = specsOf('LaunchDarkly');
    expect(ld?.spec.actions.rollback.map((t) => t.format)).toEqual(['launchdarkly']);
    expect(ld?.spec.actions.advance[0]).toMatchObject({
      format: 'launchdarkly',
      variations: expect.any(Object),
    });
    const [fs] = specsOf('Flagsmith');
    expect(fs?.spec.actions.rollback.map((t) => t.format)).toEqual(['flagsmith']);
    expect(fs?.spec.actions.advance[0]).toMatchObject({ format: 'flagsmith', variant: { optionId: 4711 } });
  });

  it('Argo Rollouts: the spec’s waves are the example Rollout’s weights, with approval auto', () => {
    const [spec] = specsOf('Argo Rollouts');
    const rollout = deployYaml('argo-rollouts/rollout.yaml');
    const steps = rollout.spec.strategy.canary.steps as Loose[];
    expect(spec?.spec.waves.map((w) => w.percent)).toEqual(steps.flatMap((s) => s.setWeight ?? []));
    expect(spec?.spec.approval).toBe('auto');
    const asked = steps.flatMap((s) => s.analysis?.args.filter((a: Loose) => a.name === 'rollout') ?? []);
    expect(new Set(asked.map((a: Loose) => a.value))).toEqual(new Set([spec?.metadata.name]));
    expect(spec?.spec.cohorts).toMatchObject({
      attribute: 'k8s.pod.labels.role',
      treatment: rollout.spec.strategy.canary.canaryMetadata.labels.role,
      control: rollout.spec.strategy.canary.stableMetadata.labels.role,
    });
  });

  it('Flagger: the Canary’s step weights are the waves below 100, and its hooks name the rollout', () => {
    const [spec] = specsOf('Flagger');
    const canary = deployYaml('flagger/canary.yaml');
    const waves = spec?.spec.waves.map((w) => w.percent) ?? [];
    expect(canary.spec.analysis.stepWeights).toEqual(waves.filter((p) => p < 100));
    for (const hook of canary.spec.analysis.webhooks as Loose[]) {
      expect(hook.metadata.rollout).toBe(spec?.metadata.name);
    }
    expect(spec?.spec.approval).toBe('manual');
  });

  it('rollout.resolved: the example body is a valid event, carried as the section says', () => {
    const text = sectionText('When an alert ends: `rollout.resolved`');
    const [json] = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const event = WebhookEvent.parse(JSON.parse(json ?? 'null'));
    expect(event).toMatchObject({
      type: 'rollout.resolved',
      data: { verdict: 'resolved', resolves: 'checks' },
    });
    // The rollout and check of the PagerDuty section, resolved by the key its trigger used.
    const pagerduty = specsOf('PagerDuty')[0];
    expect(event.data.rollout).toBe(pagerduty?.metadata.name);
    expect(pagerDutyEvents(event)).toEqual([
      { event_action: 'resolve', dedup_key: `rollout-guard/${event.data.rollout}/p99-latency` },
    ]);
    expect(text).toContain(`"${headline(event)}"`);
    expect(text).toContain('test/e2e/resolved.test.ts');
  });
});
