import type { WebhookEvent } from '@rollout-guard/shared/webhooks';
import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { alertEvent, rollbackEvent } from '../test-events.ts';
import { fittedMrkdwn, slackMessage } from './slack.ts';
import { blockKitProblems, SLACK_LIMITS } from './slack-limits.ts';

// Block Kit's documented limits, as a table, and every message the slack format builds within them.

const x = (n: number) => 'x'.repeat(n);
const sectionOf = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (text: string, url = 'https://e.x') => ({
  type: 'button' as const,
  text: { type: 'plain_text' as const, text },
  url,
});

describe('blockKitProblems', () => {
  it.each<[string, { text?: string; blocks: KnownBlock[] }, string[]]>([
    ['a small message', { blocks: [sectionOf('hi')] }, []],
    ['section text at the limit', { blocks: [sectionOf(x(3000))] }, []],
    ['section text over it', { blocks: [sectionOf(x(3001))] }, ['blocks[0].text: 3001 > 3000']],
    ['50 blocks', { blocks: Array.from({ length: 50 }, () => sectionOf('a')) }, []],
    ['51 blocks', { blocks: Array.from({ length: 51 }, () => sectionOf('a')) }, ['blocks: 51 > 50']],
    [
      'a header over 150',
      { blocks: [{ type: 'header', text: { type: 'plain_text', text: x(151) } }] },
      ['blocks[0].text: 151 > 150'],
    ],
    [
      '11 context elements',
      {
        blocks: [
          { type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'a' })) },
        ],
      },
      ['blocks[0].elements: 11 > 10'],
    ],
    [
      'eleven fields, one too long',
      {
        blocks: [
          {
            type: 'section',
            fields: [
              ...Array.from({ length: 10 }, () => ({ type: 'mrkdwn' as const, text: 'a' })),
              { type: 'mrkdwn', text: x(2001) },
            ],
          },
        ],
      },
      ['blocks[0].fields: 11 > 10', 'blocks[0].fields[10]: 2001 > 2000'],
    ],
    [
      'a button whose text and url are too long',
      { blocks: [{ type: 'actions', elements: [button(x(76), `https://e.x/${x(3000)}`)] }] },
      ['blocks[0].elements[0].text: 76 > 75', 'blocks[0].elements[0].url: 3012 > 3000'],
    ],
    [
      'a block_id over 255',
      { blocks: [{ ...sectionOf('a'), block_id: x(256) }] },
      ['blocks[0].block_id: 256 > 255'],
    ],
    ['a text over 40,000', { text: x(40_001), blocks: [] }, ['text: 40001 > 40000']],
  ])('%s', (_name, message, problems) => {
    expect(blockKitProblems({ text: message.text ?? 'fallback', blocks: message.blocks })).toEqual(problems);
  });
});

describe('slack messages stay within Block Kit', () => {
  const reason = rollbackEvent.data.reasons[0]!;
  const huge = {
    ...alertEvent,
    data: {
      ...alertEvent.data,
      flag: `flag-${x(5000)}`,
      summary: '<&>'.repeat(4000),
      reasons: Array.from({ length: 80 }, (_, i) => ({ ...reason, check: `check-${i}-${'&'.repeat(4000)}` })),
    },
  } as WebhookEvent;

  it('cuts long texts and many checks to fit, and says how many were left out', () => {
    const message = slackMessage(huge);
    expect(blockKitProblems(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const texts = message.blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
    expect(texts).toContain('…and 60 more checks');
    // Cut before escaping: no entity is split at the end.
    expect(texts.every((t) => !/&[a-z]{0,3}…?$/.test(t.replace(/&(amp|lt|gt);/g, '')))).toBe(true);
  });

  it('fits escaped text exactly within the limit', () => {
    const fitted = fittedMrkdwn('&'.repeat(1000), 3000);
    expect(fitted.length).toBeLessThanOrEqual(3000);
    expect(fitted.endsWith('…')).toBe(true);
    expect(fitted.startsWith('&amp;&amp;')).toBe(true);
  });

  it('keeps runbook buttons and owners within Block Kit: five buttons at most, labels cut to 75', () => {
    const message = slackMessage({
      ...huge,
      data: {
        ...huge.data,
        owner: 'o'.repeat(128),
        runbook: `https://runbooks.internal/${'r'.repeat(1970)}`,
        reasons: huge.data.reasons.map((r, i) => ({
          ...r,
          owner: `owner-${i}-${'&'.repeat(100)}`,
          runbook: `https://runbooks.internal/${i}`,
        })),
      },
    } as WebhookEvent);
    expect(blockKitProblems(message)).toEqual([]);
    const actions = message.blocks.find((b) => b.type === 'actions');
    expect(actions?.type === 'actions' && actions.elements).toHaveLength(5);
  });

  it('keeps an ordinary message whole', () => {
    const message = slackMessage(rollbackEvent);
    expect(blockKitProblems(message)).toEqual([]);
    expect(message.blocks).toHaveLength(3);
  });
});
