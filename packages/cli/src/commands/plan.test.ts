import { describe, expect, it } from 'vitest';
import { runCli } from '../program.ts';

const SPEC = `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: checkout }
spec:
  flag: new-checkout
  waves:
    - { percent: 25, bake: 1h }
    - { percent: 100, bake: 1h }
  guardrails:
    - name: errors
      metric: { ratio: { numerator: errors_total, denominator: requests_total } }
      compare: control
      allowed: { max: 0.01 }
  successCriteria:
    - { name: adoption, metric: { ratio: { numerator: used_total, denominator: sessions_total } }, allowed: { min: 0.5 } }
`;
const ASSUMPTIONS = 'traffic: 3000\nchecks:\n  adoption: { value: 0.6 }\n';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    env: {},
    readFile: (path) => {
      if (path === 'spec.yaml') return SPEC;
      if (path === 'assumptions.yaml') return ASSUMPTIONS;
      throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    },
  });
  return { code, stdout, stderr };
}

describe('rollout-guard plan', () => {
  it('prints per wave each check’s time and samples, what it assumed, and the warnings', async () => {
    const { code, stdout } = await cli([
      'plan',
      'spec.yaml',
      '--traffic',
      '2000',
      '--check',
      'adoption:value=0.6',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('plan for checkout at 2000 requests/min');
    expect(stdout).toContain('wave 1 (25%) — bake 1h, at most 2h; 500 treatment / 1500 control samples/min');
    expect(stdout).toMatch(/errors\s+guardrail\s+interval\s+breach 0\.02/);
    expect(stdout).toMatch(/adoption\s+criterion\s+interval\s+pass\s+\S+ \/ \S+\s+\d+\s+bake/);
    expect(stdout).toContain('errors: samplesPerRequest=1 (default), value=0.01000 (default)');
    expect(stdout).toContain('adoption: samplesPerRequest=1 (default), value=0.6000');
  });

  it('reads the assumptions from a file, options overriding it, and prints JSON on request', async () => {
    const { code, stdout } = await cli([
      'plan',
      'spec.yaml',
      '--assumptions',
      'assumptions.yaml',
      '-o',
      'json',
    ]);
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan.traffic).toBe(3000);
    expect(plan.waves[0].checks[1].assumptions.value).toEqual({ value: 0.6, source: 'given' });
    const overridden = JSON.parse(
      (await cli(['plan', 'spec.yaml', '--assumptions', 'assumptions.yaml', '--traffic', '10', '-o', 'json']))
        .stdout,
    );
    expect(overridden.traffic).toBe(10);
  });

  it('refuses a missing traffic, a malformed --check and an unknown check with exit 2', async () => {
    expect(await cli(['plan', 'spec.yaml'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('give the traffic: --traffic <requests per minute>'),
    });
    expect(await cli(['plan', 'spec.yaml', '--traffic', 'lots'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--traffic: expected requests per minute'),
    });
    expect(await cli(['plan', 'spec.yaml', '--traffic', '100', '--check', 'errors'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('expected NAME:KEY=NUMBER'),
    });
    expect(await cli(['plan', 'spec.yaml', '--traffic', '100', '--check', 'latency:value=1'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('checks.latency: the spec has no check named "latency"'),
    });
  });

  it('validate --traffic adds the planner’s warnings', async () => {
    const plain = await cli(['validate', 'spec.yaml']);
    expect(plain.stdout).not.toContain('plan at');
    const planned = await cli(['validate', 'spec.yaml', '--traffic', '20']);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain('plan at 20 requests/min:');
    expect(planned.stdout).toContain(
      'errors cannot act on a breach of 0.02 before the bake of wave 1 (25%) ends',
    );
  });
});
