import type { KnownBlock } from '@slack/types';

// Block Kit's documented limits (docs.slack.dev/reference/block-kit: "Blocks", "Composition objects",
// "Block elements"; "Sending messages using incoming webhooks"), for the messages we build. Slack refuses
// a message past them with 400 invalid_blocks, which no retry can fix, so every message is checked here
// and cut to fit before it is sent.

export const SLACK_LIMITS = {
  /** Blocks in one message. */
  blocks: 50,
  /** A section block's `text`. */
  sectionText: 3000,
  /** A section block's `fields`, and each field's text. */
  sectionFields: 10,
  sectionFieldText: 2000,
  /** A header block's plain_text. */
  headerText: 150,
  /** Elements of a context block. */
  contextElements: 10,
  /** Elements of an actions block. */
  actionsElements: 25,
  /** A button's plain_text, its url and its action_id. */
  buttonText: 75,
  buttonUrl: 3000,
  actionId: 255,
  /** `block_id` of any block. */
  blockId: 255,
  /** The top-level `text`: Slack truncates longer messages. */
  messageText: 40_000,
} as const;

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Every limit `message` exceeds, each with where; empty when Slack would take it. */
export function blockKitProblems(message: SlackMessage): string[] {
  const problems: string[] = [];
  const over = (where: string, length: number, max: number) => {
    if (length > max) problems.push(`${where}: ${length} > ${max}`);
  };
  over('text', message.text.length, SLACK_LIMITS.messageText);
  over('blocks', message.blocks.length, SLACK_LIMITS.blocks);
  message.blocks.forEach((block, i) => {
    const at = `blocks[${i}]`;
    if (block.block_id !== undefined) over(`${at}.block_id`, block.block_id.length, SLACK_LIMITS.blockId);
    switch (block.type) {
      case 'section':
        if (block.text !== undefined) over(`${at}.text`, block.text.text.length, SLACK_LIMITS.sectionText);
        if (block.fields !== undefined) {
          over(`${at}.fields`, block.fields.length, SLACK_LIMITS.sectionFields);
          block.fields.forEach((f, j) => {
            over(`${at}.fields[${j}]`, f.text.length, SLACK_LIMITS.sectionFieldText);
          });
        }
        break;
      case 'header':
        over(`${at}.text`, block.text.text.length, SLACK_LIMITS.headerText);
        break;
      case 'context':
        over(`${at}.elements`, block.elements.length, SLACK_LIMITS.contextElements);
        block.elements.forEach((e, j) => {
          if ('text' in e && typeof e.text === 'string')
            over(`${at}.elements[${j}]`, e.text.length, SLACK_LIMITS.sectionText);
        });
        break;
      case 'actions':
        over(`${at}.elements`, block.elements.length, SLACK_LIMITS.actionsElements);
        block.elements.forEach((e, j) => {
          if (e.type !== 'button') return;
          over(`${at}.elements[${j}].text`, e.text.text.length, SLACK_LIMITS.buttonText);
          if (e.url !== undefined) over(`${at}.elements[${j}].url`, e.url.length, SLACK_LIMITS.buttonUrl);
          if (e.action_id !== undefined)
            over(`${at}.elements[${j}].action_id`, e.action_id.length, SLACK_LIMITS.actionId);
        });
        break;
      default:
        break;
    }
  });
  return problems;
}

/** Cut to `max` characters, ending with an ellipsis when cut. */
export function fit(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
