import { describe, it, expect } from 'vitest';
import { inOrderQueue } from '../src/pipeline/inorder.js';

const later = <T>(ms: number, v: T, fail = false) => new Promise<T>((res, rej) => setTimeout(() => (fail ? rej(new Error(`boom ${v}`)) : res(v)), ms));

describe('inOrderQueue', () => {
  it('takes results in the order queued, whatever order they finish in, with at most max pending', async () => {
    const taken: number[] = [];
    let maxPending = 0;
    let pending = 0;
    const q = inOrderQueue<number, number>(3, (c, r) => {
      pending--;
      expect(r).toBe(c * 10);
      taken.push(c);
    });
    for (let i = 0; i < 10; i++) {
      pending++;
      maxPending = Math.max(maxPending, pending);
      await q.push(i, later(((i * 7) % 5) * 3, i * 10));
    }
    await q.drain();
    expect(taken).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(maxPending).toBe(3);
  });

  it('a rejection goes to fail with its context, in its turn; one that rejects while waiting is never unhandled', async () => {
    const unhandled: unknown[] = [];
    const on = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', on);
    try {
      const taken: string[] = [];
      const q = inOrderQueue<string, string>(
        2,
        (c) => taken.push(c),
        (c, err) => {
          throw new Error(`${c}: ${(err as Error).message}`);
        },
      );
      await q.push('a', later(40, 'a'));
      await q.push('b', later(1, 'b', true)); // takes 'a', awaiting it for 40 ms while 'b' fails
      expect(taken).toEqual(['a']);
      await expect(q.push('c', later(1, 'c'))).rejects.toThrow('b: boom b'); // 'b' in its turn
      expect(taken).toEqual(['a']);
      await q.settle();
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', on);
    }
  });

  it('without fail, the rejection is rethrown as it is', async () => {
    const q = inOrderQueue<number, number>(2, () => undefined);
    await q.push(1, later(1, 1, true));
    await expect(q.drain()).rejects.toThrow('boom 1');
  });
});
