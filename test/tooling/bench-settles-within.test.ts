import { settlesWithin } from '../../bench/processes.js';

describe("the benchmark's bounded waits", () => {
  test('a wait that completes in time is reported as complete, and its bound never fires afterwards', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      expect(await settlesWithin(Promise.resolve('done'), 50)).toBe(true);
      expect(await settlesWithin(Promise.reject(new Error('failed in time')), 50)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('a wait that outlasts its bound is reported as incomplete', async () => {
    expect(await settlesWithin(new Promise(() => undefined), 30)).toBe(false);
  });

  test('its timer does not keep the process busy once the wait completed', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await settlesWithin(Promise.resolve(), 60_000);
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBe(before);
  });
});
