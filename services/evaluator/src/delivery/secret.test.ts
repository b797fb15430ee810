import { describe, expect, it } from 'vitest';
import { DeliveryConfigError } from './delivery-error.ts';
import { secretResolver } from './secret.ts';

describe('secretResolver', () => {
  const resolve = secretResolver({ ROLLBACK_SECRET: 'whsec_abcd', EMPTY: '' });

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

  it('reads the environment at call time, so a variable set later is seen', () => {
    const env: Record<string, string | undefined> = {};
    const late = secretResolver(env);
    expect(() => late({ env: 'LATE' }, 'token')).toThrow(DeliveryConfigError);
    env.LATE = 'now-set';
    expect(late({ env: 'LATE' }, 'token')).toBe('now-set');
  });
});
