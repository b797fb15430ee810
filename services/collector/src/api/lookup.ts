import type { StoredSpec, StoredState } from '@rollout-guard/shared/store';
import { AppError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';

/** The rollout (the spec version it runs by, and its state), or a 404 that says how to create it. */
export async function rolloutOr404(
  deps: Pick<ApiDeps, 'store'>,
  name: string,
): Promise<{ spec: StoredSpec; state: StoredState }> {
  const found = /^[a-z0-9-]+$/.test(name) ? await deps.store.getRollout(name) : null;
  if (found === null) {
    throw new AppError({
      code: 'NOT_FOUND',
      message: `Rollout "${name}" does not exist; create it with PUT /api/v1/rollouts/${name} (rollout-guard apply -f FILE)`,
    });
  }
  return found;
}

/** A positive whole number from a path or query parameter, or a 400 naming the parameter. */
export function wholeNumber(value: string | undefined, name: string): number {
  const parsed = Number(value);
  if (value === undefined || !/^\d+$/.test(value) || parsed < 1) {
    throw new AppError({
      code: 'BAD_REQUEST',
      message: `${name} "${value ?? ''}" is not a version number; expected a whole number from 1`,
    });
  }
  return parsed;
}
