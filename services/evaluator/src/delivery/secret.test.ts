import { describe, expect, it } from 'vitest';
import { DeliveryConfigError } from './delivery-error.ts';
import { secretResolver } from './secret.ts';

describe('secretResolver', () => {
  const resolve = secretResolver({
    ROLLBACK_SECRET: 'whsec_abcd',
    EMPTY: '',
    MISSING_OK: undefined,
    REDIS_URL: 'redis://secret@db',
    SPEC_ENV_ALLOWED: 'ROLLBACK_SECRET,EMPTY,MISSING',
  });

  it.each([
    [{ env: 'ROLLBACK_SECRET' }, 'whsec_abcd'],
    [{ value: 'a-literal-token' }, 'a-literal-token'],
  ])('resolves %j', (secret, value) => {
    expect(resolve(secret, 'secret')).toBe(value);
  });

  it.each(['MISSING', 'EMPTY'])('refuses an unset variable %s, naming the field and the variable', (name) => {
    const call = () => resolve({ env: name }, 'actions.alert[0].routingKey');
    expect(call).toThrow(DeliveryConfigError);
    expect(call).toThrow(`actions.alert[0].routingKey: environment variable ${name} is not set`);
  });

  it.each([
    ['a variable not in SPEC_ENV_ALLOWED', 'REDIS_URL', 'ROLLBACK_SECRET'],
    ['any variable when SPEC_ENV_ALLOWED is empty', 'ROLLBACK_SECRET', ''],
    ['a name that only starts like an allowed one', 'ROLLBACK_SECRET_2', 'ROLLBACK_SECRET'],
  ])('refuses %s, saying how to allow it', (_, name, allowed) => {
    const env = { ROLLBACK_SECRET: 'whsec_abcd', ROLLBACK_SECRET_2: 'x', REDIS_URL: 'redis://secret@db' };
    const call = () =>
      secretResolver({ ...env, SPEC_ENV_ALLOWED: allowed })({ env: name }, 'actions.rollback[0].secret');
    expect(call).toThrow(DeliveryConfigError);
    expect(call).toThrow(`actions.rollback[0].secret: env:${name} is not among the variables specs may read`);
  });

  it('reads variables by prefix', () => {
    const resolvePrefixed = secretResolver({ RG_SECRET_PD: 'key', SPEC_ENV_ALLOWED: 'RG_SECRET_*' });
    expect(resolvePrefixed({ env: 'RG_SECRET_PD' }, 'routingKey')).toBe('key');
  });

  it('reads the environment at call time, so a variable set later is seen', () => {
    const env: Record<string, string | undefined> = { SPEC_ENV_ALLOWED: 'LATE' };
    const late = secretResolver(env);
    expect(() => late({ env: 'LATE' }, 'token')).toThrow(DeliveryConfigError);
    env.LATE = 'now-set';
    expect(late({ env: 'LATE' }, 'token')).toBe('now-set');
  });
});
