import { literalSecrets, type RolloutSpec, redactSource, redactSpec } from '@rollout-guard/shared/spec';

/**
 * A stored spec as the API shows it: literal secrets (tokens, signing secrets, header values, Slack
 * URLs) replaced, in the parsed spec and in the text as sent alike. Anyone with `read` may see a
 * spec; only the evaluator, reading the store, sees the values.
 */
export function shownSpec(stored: { readonly spec: RolloutSpec; readonly source: string }): {
  spec: Record<string, unknown>;
  source: string;
} {
  const secrets = literalSecrets(stored.spec);
  return {
    spec: redactSpec(stored.spec, secrets) as unknown as Record<string, unknown>,
    source: redactSource(stored.source, secrets),
  };
}

/**
 * The parsed spec alone as the API shows it, for answers without the text (validate, PUT). Redacting
 * the text costs its length times the number of literal secrets: seconds for a spec of API_MAX_BODY_BYTES
 * made of literal header values, so it is done only where the text is served.
 */
export function shownParsedSpec(spec: RolloutSpec): Record<string, unknown> {
  return redactSpec(spec, literalSecrets(spec)) as unknown as Record<string, unknown>;
}
