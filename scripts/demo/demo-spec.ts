import { isMap, isSeq, parseDocument } from 'yaml';
import { formatProblems, parseSpec } from '../../packages/shared/src/spec/index.ts';

/** The demo spec's default file, relative to the repository root. */
export const DEMO_SPEC_PATH = 'examples/contact-center-copilot.demo.yaml';

export interface DemoSpec {
  /** The YAML to apply, comments kept, action URLs pointed at the receiver. */
  readonly text: string;
  readonly name: string;
  readonly flag: string;
  /** Each wave's percent and bake in milliseconds, for the progress indicator. */
  readonly waves: readonly { readonly percent: number; readonly bakeMs: number }[];
}

/**
 * Points every webhook target of the spec at `receiverUrl` (keeping each target's path), so the
 * spec file can name a fixed port while the demo listens wherever a port is free. The rest of the
 * file is applied as written.
 */
export function prepareDemoSpec(source: string, receiverUrl: string): DemoSpec {
  const doc = parseDocument(source);
  if (doc.errors.length > 0) throw new Error(`demo spec: ${doc.errors[0]?.message}`);
  const actions = doc.getIn(['spec', 'actions']);
  if (isMap(actions)) {
    for (const pair of actions.items) {
      if (!isSeq(pair.value)) continue;
      for (const target of pair.value.items) {
        if (!isMap(target)) continue;
        const url = target.get('url');
        if (typeof url !== 'string') continue;
        const { pathname } = new URL(url);
        target.set('url', new URL(pathname, receiverUrl).toString());
      }
    }
  }
  const text = doc.toString();
  // Refused here with every problem located, rather than half-way through the demo.
  const parsed = parseSpec(text, { format: 'yaml' });
  if (!parsed.ok)
    throw new Error(`the demo spec is not valid:\n${formatProblems(parsed.problems, DEMO_SPEC_PATH)}`);
  const { metadata, spec } = parsed.spec;
  return {
    text,
    name: metadata.name,
    flag: spec.flag,
    waves: spec.waves.map((wave) => ({ percent: wave.percent, bakeMs: wave.bake.ms })),
  };
}
