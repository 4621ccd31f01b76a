/**
 * Batches in flight, taken in the order they were queued: the reader queues a batch's pending result and goes on
 * reading while at most `max` are pending, and results are handled in input order, so output order and entry
 * numbers do not depend on which worker finishes first. Used by scan() and buildRegistry().
 */
export interface InOrderQueue<C, R> {
  /** Queues a pending result; waits (taking results in order) while `max` or more are pending. */
  push(context: C, result: Promise<R>): Promise<void>;
  /** Takes every pending result, in order. */
  drain(): Promise<void>;
  /** Waits for whatever is still pending, without taking it (after a failure: nothing is left running unobserved). */
  settle(): Promise<void>;
}

/**
 * `take` handles each result in order. A rejected result is passed to `fail`, which throws (with the batch's
 * context); without `fail` the rejection is rethrown as it is. Every queued promise gets a handler at once, so a
 * batch that fails while an earlier one is awaited, or while the next is read, is reported in its turn instead of
 * ending the process as an unhandled rejection.
 */
export function inOrderQueue<C, R>(max: number, take: (context: C, result: R) => void, fail?: (context: C, err: unknown) => never): InOrderQueue<C, R> {
  const pending: Array<{ context: C; result: Promise<R> }> = [];
  const takeOne = async (): Promise<void> => {
    const p = pending.shift()!;
    let r: R;
    try {
      r = await p.result;
    } catch (err) {
      if (fail) fail(p.context, err);
      throw err;
    }
    take(p.context, r);
  };
  return {
    async push(context, result) {
      result.catch(() => undefined);
      pending.push({ context, result });
      while (pending.length >= max) await takeOne();
    },
    async drain() {
      while (pending.length) await takeOne();
    },
    async settle() {
      await Promise.allSettled(pending.map((p) => p.result));
    },
  };
}
