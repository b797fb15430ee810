import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from './html.ts';

describe('html', () => {
  it('escapes every interpolated value but nested html', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${'"x"'}">${"a & b's"} ${inner} ${[1, '<', inner]} ${null}</p>`.text).toBe(
      '<p title="&quot;x&quot;">a &amp; b&#39;s <b>&lt;i&gt;</b> 1&lt;<b>&lt;i&gt;</b> </p>',
    );
    expect(escapeHtml('<script>')).toBe('&lt;script&gt;');
  });
});
