import { compressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { snappyDeclaredLength, unsnappy } from './snappy-block.ts';

describe('unsnappy', () => {
  it('reads a block written by hand from the format description', async () => {
    // Preamble 5 (the uncompressed length), then a literal of 5 bytes: tag (5-1)<<2.
    const block = new Uint8Array([0x05, 0x10, ...new TextEncoder().encode('hello')]);
    expect(Buffer.from(await unsnappy(block, 100)).toString()).toBe('hello');
  });

  it('round-trips what snappy compresses', async () => {
    const data = Buffer.from('x'.repeat(10_000) + 'y'.repeat(5000));
    const block = compressSync(data);
    expect(snappyDeclaredLength(block)).toBe(15_000);
    expect(Buffer.compare(Buffer.from(await unsnappy(block, 20_000)), data)).toBe(0);
  });

  it("returns the decoded bytes in Node's own memory, not in an external buffer of the native module", async () => {
    // An external buffer is freed by a finalizer some time after the collection that finds it dead.
    const size = 16 << 20;
    const block = compressSync(Buffer.alloc(size, 7));
    const before = process.memoryUsage().arrayBuffers;
    const decoded = await unsnappy(block, size);
    expect(process.memoryUsage().arrayBuffers - before).toBeGreaterThanOrEqual(size);
    expect(decoded.byteLength).toBe(size);
  });

  it('refuses a body that declares more than the limit before decompressing it', async () => {
    // 10 bytes claiming 4 GiB − 1.
    const liar = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0, 0]);
    await expect(unsnappy(liar, 1 << 20)).rejects.toMatchObject({
      tooLarge: true,
      message: 'body decompresses to 4294967295 bytes; the limit is 1048576',
    });
  });

  it.each([
    ['empty', new Uint8Array()],
    ['a broken preamble', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
    ['framed format', new Uint8Array([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59])],
    ['a truncated block', compressSync(Buffer.from('abcdefgh'.repeat(100))).subarray(0, 8)],
    ['a literal longer than declared', new Uint8Array([0x02, 0x10, 1, 2, 3, 4, 5])],
  ])('refuses %s as not snappy data', async (_name, body) => {
    await expect(unsnappy(body, 1 << 20)).rejects.toMatchObject({
      tooLarge: false,
      message: expect.stringContaining('not snappy block-format data'),
    });
  });
});
