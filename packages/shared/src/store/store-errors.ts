export class UnknownRolloutError extends Error {
  override name = 'UnknownRolloutError';
  constructor(readonly rollout: string) {
    super(`rollout "${rollout}" does not exist: store its spec first (PUT /api/v1/rollouts/${rollout})`);
  }
}

export class ContentionError extends Error {
  override name = 'ContentionError';
}
