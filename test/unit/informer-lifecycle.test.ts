/**
 * The informer lifecycle the session informers share (src/k8s/informer-lifecycle.ts): a first re-list that
 * fails — an apiserver error burst as a worker becomes leader — is tried again, and `synced` waits for it
 * instead of failing. A rejection there made the leader stop its informers and keep the Lease with none
 * running (seen in the chaos run: a node loss then went unnoticed until the reconciler's pass, 60–80 s).
 */
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { runInformer } from '../../src/k8s/informer-lifecycle.js';

/** An informer at its boundary: it starts, and records whether it was stopped. */
function fakeInformer() {
  const state = { started: 0, stopped: 0 };
  const informer = {
    on: () => undefined,
    off: () => undefined,
    start: async () => void state.started++,
    stop: async () => void state.stopped++,
  } as unknown as k8s.Informer<k8s.V1Node>;
  return { informer, state };
}

test('a first re-list that fails is tried again, and synced resolves once one succeeds, the informer running', async () => {
  const { informer, state } = fakeInformer();
  let attempts = 0;
  const lifecycle = runInformer({
    informer,
    resync: async () => {
      attempts++;
      if (attempts < 3) throw Object.assign(new Error('fetch failed: other side closed'), { code: 'ECONNRESET' });
    },
    resyncIntervalMs: 60_000,
    log: pino({ level: 'silent' }),
    what: 'node',
  });
  await expect(lifecycle.synced).resolves.toBeUndefined();
  expect(attempts).toBe(3);
  expect(state).toEqual({ started: 1, stopped: 0 });
  await lifecycle.stop();
}, 15_000);

test('once stopped, a failing first re-list is not tried again and synced stays pending', async () => {
  const { informer } = fakeInformer();
  let attempts = 0;
  const lifecycle = runInformer({
    informer,
    resync: async () => {
      attempts++;
      throw new Error('apiserver unreachable');
    },
    resyncIntervalMs: 60_000,
    log: pino({ level: 'silent' }),
    what: 'pod',
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  await lifecycle.stop();
  const settled = await Promise.race([
    lifecycle.synced.then(() => 'resolved'),
    new Promise((resolve) => setTimeout(() => resolve('pending'), 2_500)),
  ]);
  expect(settled).toBe('pending');
  expect(attempts).toBe(1);
}, 15_000);
