import { describe, expect, it } from 'vitest';
import { BackgroundTasks } from '../../../../core/runtime/BackgroundTasks.js';
import { deferred } from '../../../support/deferred.js';

describe('BackgroundTasks', () => {
  it('counts a task until it settles, and hands back its value', async () => {
    const tasks = new BackgroundTasks();
    const work = deferred<number>();
    const tracked = tasks.track(work.promise);
    expect(tasks.size).toBe(1);
    work.resolve(7);
    await expect(tracked).resolves.toBe(7);
    expect(tasks.size).toBe(0);
  });

  it('passes a rejection on to whoever holds the task, and forgets the task', async () => {
    const tasks = new BackgroundTasks();
    const tracked = tasks.track(Promise.reject(new Error('write refused')));
    await expect(tracked).rejects.toThrow('write refused');
    expect(tasks.size).toBe(0);
  });

  it('settled() waits for every task, those started while it waits included, and never rejects', async () => {
    const tasks = new BackgroundTasks();
    const first = deferred();
    const second = deferred();
    const finished: string[] = [];
    tasks.track(first.promise.then(() => finished.push('first'))).catch(() => {});
    const done = tasks.settled().then(() => finished.push('settled'));
    tasks.track(second.promise).catch(() => {});
    first.resolve();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(finished).toEqual(['first']);
    second.reject(new Error('late write failed'));
    await done;
    expect(finished).toEqual(['first', 'settled']);
    expect(tasks.size).toBe(0);
  });

  it('settled() resolves at once with no task', async () => {
    await new BackgroundTasks().settled();
  });

  it('race() settles with the first task to settle, and never with none', async () => {
    const tasks = new BackgroundTasks();
    const slow = deferred<string>();
    const fast = deferred<string>();
    tasks.track(slow.promise);
    tasks.track(fast.promise);
    const first = tasks.race();
    fast.resolve('fast');
    await expect(first).resolves.toBe('fast');
    slow.resolve('slow');
    await tasks.settled();
    const none = await Promise.race([
      tasks.race(),
      new Promise((resolve) => setTimeout(resolve, 10, 'timer')),
    ]);
    expect(none).toBe('timer');
  });
});
