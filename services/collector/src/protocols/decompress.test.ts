import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DecodeError } from './decode-error.ts';
import { decompress, parseContentEncoding } from './decompress.ts';

const text = new TextEncoder().encode('{"resourceMetrics":[]}');

describe('parseContentEncoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
    ['GZIP', 'gzip'],
    ['x-gzip', 'gzip'],
    ['deflate', 'deflate'],
    ['br', undefined],
    ['snappy', undefined],
  ] as const)('%j → %j', (header, expected) => {
    expect(parseContentEncoding(header)).toBe(expected);
  });
});

describe('decompress', () => {
  it.each([
    ['identity', text],
    ['gzip', gzipSync(text)],
    ['deflate', deflateSync(text)],
  ] as const)('restores %s bodies', async (encoding, body) => {
    expect(Buffer.from(await decompress(body, encoding, 1024)).toString()).toBe('{"resourceMetrics":[]}');
  });

  it('refuses an identity body over the limit as too large', async () => {
    await expect(decompress(text, 'identity', 4)).rejects.toMatchObject({ tooLarge: true });
  });

  it('stops a gzip bomb at the limit instead of inflating it', async () => {
    // 256 MiB of zeros gzip to about 250 KiB: a small body that must not be inflated whole.
    const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 });
    const before = process.memoryUsage().rss;
    const error = await decompress(bomb, 'gzip', 4 * 1024 * 1024).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toMatchObject({
      tooLarge: true,
      message: expect.stringContaining('more than 4194304 bytes'),
    });
    expect(process.memoryUsage().rss - before).toBeLessThan(128 * 1024 * 1024);
  });

  it.each([
    ['gzip', new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3])],
    ['gzip', text],
    ['deflate', text],
  ] as const)('refuses corrupt %s data with a 400-style error', async (encoding, body) => {
    const error = await decompress(body, encoding, 1024).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toMatchObject({
      tooLarge: false,
      message: expect.stringContaining(`not valid ${encoding}`),
    });
  });
});
