import { freePort } from '@rollout-guard/shared/testing';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from './program.ts';

const GOOD = `apiVersion: rollout-guard/v1
kind: Rollout
metadata: { name: good }
spec:
  flag: f
  guardrails:
    - { name: a, metric: m, allowed: { max: 1 } }
`;
const BAD = GOOD.replace('max: 1', 'max: lots');

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    env,
    readFile: (path) => {
      if (path === 'good.yaml') return GOOD;
      if (path === 'bad.yaml') return BAD;
      if (path === 'value.yaml')
        return GOOD.replace('{ name: a, metric: m,', '{ name: errors, metric: m, judge: value,');
      if (path === 'http-runbook.yaml')
        return GOOD.replace('  flag: f\n', '  flag: f\n  runbook: http://wiki.internal/good\n');
      if (path === 'relative-runbook.yaml')
        return GOOD.replace('  flag: f\n', '  flag: f\n  runbook: wiki/good\n');
      throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    },
  });
  return { code, stdout, stderr };
}

describe('the CLI program', () => {
  it('exits 0 with --help everywhere, and 2 on usage errors', async () => {
    expect(await cli(['--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('Exit codes:') });
    expect(await cli(['status', '--help'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('--watch'),
    });
    expect((await cli([])).code).toBe(2);
    expect(await cli(['launch'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unknown command 'launch'"),
    });
    expect((await cli(['status'])).code).toBe(2);
    expect((await cli(['get', '--output', 'xml'])).code).toBe(2);
    expect((await cli(['diff', 'x', 'one', '2'])).code).toBe(2);
  });

  it('validates offline: problems with file:line:column and exit 1, in every output format', async () => {
    expect(await cli(['validate', 'good.yaml'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('good.yaml: valid'),
    });
    const bad = await cli(['validate', 'good.yaml', 'bad.yaml']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(
      'bad.yaml:7:45  spec.guardrails[0].allowed.max: expected a number or a percentage',
    );
    expect(bad.stderr).toContain('1 of 2 file(s) invalid');
    const json = JSON.parse((await cli(['validate', 'bad.yaml', '-o', 'json'])).stdout);
    expect(json).toEqual([
      { file: 'bad.yaml', valid: false, problems: [expect.objectContaining({ line: 7 })] },
    ]);
    expect(parse((await cli(['validate', 'good.yaml', '-o', 'yaml'])).stdout)).toEqual([
      { file: 'good.yaml', valid: true, name: 'good', warnings: [] },
    ]);
    expect((await cli(['validate', 'missing.yaml'])).stderr).toContain('cannot read missing.yaml (ENOENT)');
  });

  it('warns about a guardrail judged by value that acts on a single evaluation', async () => {
    const judged = await cli(['validate', 'value.yaml']);
    expect(judged.code).toBe(0);
    expect(judged.stdout).toContain('value.yaml: valid');
    expect(judged.stdout).toContain(
      'warning spec.guardrails[0].consecutive: guardrail errors is judged by value (judge: value) and will rollback on a single evaluation',
    );
    const json = JSON.parse((await cli(['validate', 'value.yaml', '-o', 'json'])).stdout);
    expect(json[0].warnings).toEqual([expect.objectContaining({ path: 'spec.guardrails[0].consecutive' })]);
  });

  it('checks the runbook URL: refuses a relative one at its line, warns about plain http', async () => {
    const plain = await cli(['validate', 'http-runbook.yaml']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('warning spec.runbook: runbook http://wiki.internal/good is plain http');
    const relative = await cli(['validate', 'relative-runbook.yaml']);
    expect(relative.code).toBe(1);
    expect(relative.stdout).toContain(
      'relative-runbook.yaml:6:12  spec.runbook: expected the absolute http(s) URL of a runbook, like "https://runbooks.internal/copilot"',
    );
  });

  it('refuses to apply an invalid spec without sending it', async () => {
    const res = await cli(['apply', '-f', 'bad.yaml', '--server', 'http://127.0.0.1:1']);
    expect(res).toMatchObject({ code: 1, stderr: expect.stringContaining('nothing was sent') });
  });

  it('exits 3 when the server cannot be reached, naming where it looked (from ROLLOUT_GUARD_SERVER)', async () => {
    const server = `http://127.0.0.1:${await freePort()}`;
    const res = await cli(['get'], { ROLLOUT_GUARD_SERVER: server });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`cannot reach rollout-guard at ${server}`);
  });
});
