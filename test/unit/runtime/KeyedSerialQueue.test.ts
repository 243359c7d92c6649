import { describe, expect, it } from 'vitest';
import { KeyedSerialQueue } from '../../../worker/runtime/KeyedSerialQueue.js';
import { deferred } from '../../support/deferred.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('KeyedSerialQueue', () => {
  it('runs work under one key one at a time, in the order it was queued', async () => {
    const queue = new KeyedSerialQueue();
    const started: string[] = [];
    const first = deferred();
    const a = queue.run('m1', async () => {
      started.push('first');
      await first.promise;
      return 1;
    });
    const b = queue.run('m1', async () => {
      started.push('second');
      return 2;
    });
    const c = queue.run('m1', async () => {
      started.push('third');
      return 3;
    });
    await tick();
    expect(started).toEqual(['first']);
    first.resolve();
    expect(await Promise.all([a, b, c])).toEqual([1, 2, 3]);
    expect(started).toEqual(['first', 'second', 'third']);
  });

  it('runs work under different keys side by side', async () => {
    const queue = new KeyedSerialQueue();
    const blocker = deferred();
    const slow = queue.run('m1', () => blocker.promise);
    await expect(queue.run('m2', async () => 'other message')).resolves.toBe('other message');
    blocker.resolve();
    await slow;
  });

  it('runs the next work after one that failed, and hands each caller its own outcome', async () => {
    const queue = new KeyedSerialQueue();
    const failing = queue.run('m1', async () => {
      throw new Error('conflict');
    });
    const next = queue.run('m1', async () => 'written');
    await expect(failing).rejects.toThrow('conflict');
    await expect(next).resolves.toBe('written');
  });

  it('tells the tag and result of the work queued last, and forgets the key once it is done', async () => {
    const queue = new KeyedSerialQueue<string, string>();
    const gate = deferred();
    const run = queue.run(
      'id-1',
      async () => {
        await gate.promise;
        return 'applied';
      },
      'DELIVRD|000',
    );
    expect(queue.latest('id-1')?.tag).toBe('DELIVRD|000');
    expect(queue.size).toBe(1);
    const joined = queue.latest('id-1')?.done;
    gate.resolve();
    await expect(joined).resolves.toBe('applied');
    await run;
    expect(queue.latest('id-1')).toBeUndefined();
    expect(queue.size).toBe(0);
  });
});
