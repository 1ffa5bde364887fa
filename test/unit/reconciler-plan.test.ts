import {
  planObjectDeletions,
  pruneLedger,
  sessionsToCheck,
  type ObservedObject,
  type WorkflowLiveness,
} from '../../src/session/reconciler.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();
const settings = { graceMs: 2 * 60_000, retainedPvcTtlMs: 60 * 60_000 };

function object(kind: ObservedObject['kind'], sessionId: string, ageMinutes: number, deleting = false): ObservedObject {
  return {
    kind,
    name: `${kind}-${sessionId}`,
    uid: `uid-${kind}-${sessionId}`,
    sessionId,
    createdAt: minutesAgo(ageMinutes),
    deleting,
  };
}

const live = new Map<string, WorkflowLiveness>([
  ['running', { state: 'running' }],
  ['closed', { state: 'closed', closedAt: minutesAgo(5) }],
  ['closed-long-ago', { state: 'closed', closedAt: minutesAgo(120) }],
]);

describe('which session objects the reconciler deletes', () => {
  test('objects of a running session are kept', () => {
    expect(planObjectDeletions([object('Pod', 'running', 600)], live, new Set(), settings, NOW)).toEqual([]);
  });

  test('objects of a closed or absent session are deleted once past the grace', () => {
    const plan = planObjectDeletions(
      [object('Pod', 'closed', 10), object('Secret', 'absent', 10), object('Service', 'absent', 1)],
      live,
      new Set(),
      settings,
      NOW,
    );
    expect(plan).toEqual([
      { kind: 'Pod', name: 'Pod-closed', sessionId: 'closed', reason: 'orphaned (workflow closed)' },
      { kind: 'Secret', name: 'Secret-absent', sessionId: 'absent', reason: 'orphaned (workflow absent)' },
    ]);
  });

  test('objects already being deleted are left to their finalizers', () => {
    expect(planObjectDeletions([object('Pod', 'closed', 10, true)], live, new Set(), settings, NOW)).toEqual([]);
  });

  test('a retained claim is kept until the TTL counted from the session end, then deleted', () => {
    const claims = [
      object('PersistentVolumeClaim', 'closed', 600),
      object('PersistentVolumeClaim', 'closed-long-ago', 600),
    ];
    expect(planObjectDeletions(claims, live, new Set(), settings, NOW).map((a) => a.name)).toEqual([
      'PersistentVolumeClaim-closed-long-ago',
    ]);
  });

  test('a claim some pod mounts is never deleted, whatever its age', () => {
    const claim = object('PersistentVolumeClaim', 'closed-long-ago', 600);
    expect(planObjectDeletions([claim], live, new Set([claim.name]), settings, NOW)).toEqual([]);
  });

  test('without a known end time a claim ages from its creation', () => {
    const plan = planObjectDeletions(
      [object('PersistentVolumeClaim', 'absent', 61), object('PersistentVolumeClaim', 'absent2', 30)],
      live,
      new Set(),
      settings,
      NOW,
    );
    expect(plan.map((a) => a.sessionId)).toEqual(['absent']);
  });
});

describe('pruning quota ledgers', () => {
  test('entries of ended sessions go; running and just-admitted ones stay', () => {
    const ledger = [
      { sessionId: 'running', admittedAt: minutesAgo(60) },
      { sessionId: 'closed', admittedAt: minutesAgo(60) },
      { sessionId: 'absent', admittedAt: minutesAgo(60) },
      { sessionId: 'starting', admittedAt: minutesAgo(0.5) },
    ];
    expect(pruneLedger(ledger, live, settings.graceMs, NOW).map((e) => e.sessionId)).toEqual(['running', 'starting']);
  });
});

describe('which running sessions the reconciler asks to check their pod', () => {
  const pod = (sessionId: string, ready: boolean, deleting = false): ObservedObject => ({
    ...object('Pod', sessionId, 10, deleting),
    ready,
  });
  const running = new Map<string, { status: string | undefined }>([
    ['healthy', { status: 'running' }],
    ['pod-missing', { status: 'running' }],
    ['not-ready', { status: 'running' }],
    ['pod-deleting', { status: 'running' }],
    ['suspended', { status: 'suspended' }],
    ['recovering', { status: 'recovering' }],
  ]);

  test('only sessions recorded as running, living here, without a Ready pod that stays', () => {
    const objects = [
      pod('healthy', true),
      object('Service', 'healthy', 10),
      object('Service', 'pod-missing', 10),
      pod('not-ready', false),
      pod('pod-deleting', true, true),
      object('ConfigMap', 'pod-deleting', 10),
      object('ConfigMap', 'suspended', 10),
      object('ConfigMap', 'recovering', 10),
      object('ConfigMap', 'closed', 10),
    ];
    expect(sessionsToCheck(objects, running).sort()).toEqual(['not-ready', 'pod-deleting', 'pod-missing']);
  });

  test('a session with nothing in this namespace lives elsewhere and is left alone', () => {
    expect(sessionsToCheck([pod('healthy', true)], running)).toEqual([]);
  });
});
