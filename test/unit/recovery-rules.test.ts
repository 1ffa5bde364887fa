// The recovery rules of the session workflow (workflows/session/recovery.ts): which grace a replaced pod
// gets, what a node report means, and the restart budget's window.
import { nodeLossCheck, replacementGraceSeconds, restartTimesWith } from '../../workflows/session/recovery.js';
import { testSessionSpec } from '../support/session-spec.js';

const spec = { ...testSessionSpec(), podStopGraceSeconds: 45 } as ReturnType<typeof testSessionSpec>;

test('only a pod whose node is gone is deleted with grace 0; every pod that may still run keeps its grace', () => {
  expect(replacementGraceSeconds({ exists: true, ready: false, lostReason: 'node_lost' }, spec)).toBe(0);
  for (const lostReason of ['disruption', 'evicted', 'failed', 'oom_killed', 'deleted', 'interruption', 'unhealthy']) {
    expect({ lostReason, grace: replacementGraceSeconds({ exists: true, ready: false, lostReason }, spec) }).toEqual({
      lostReason,
      grace: 45,
    });
  }
});

test('a node-lost report reads as a lost pod, an interruption notice as a running pod about to be lost', () => {
  expect(nodeLossCheck({ reason: 'node-lost', message: 'node a was deleted' })).toEqual({
    exists: true,
    ready: false,
    lostReason: 'node_lost',
    message: 'node a was deleted',
  });
  expect(nodeLossCheck({ reason: 'node-interruption', message: 'spot notice' })).toEqual({
    exists: true,
    ready: true,
    lostReason: 'interruption',
    message: 'spot notice',
  });
});

test('the restart budget counts only restarts inside its window', () => {
  const at = '2026-01-01T12:00:00.000Z';
  const times = ['2026-01-01T11:00:00.000Z', '2026-01-01T11:40:00.000Z'];
  expect(restartTimesWith(times, at, 30)).toEqual(['2026-01-01T11:40:00.000Z', at]);
});
