import { ConfigError, loadConfig } from '../../src/config.js';

const KEY = `k1:${Buffer.alloc(32, 1).toString('base64')}`;

describe('reliability settings', () => {
  test('safe defaults: a 1 minute reconciler that deletes, 7 day claim TTL, AWS and Karpenter notices', () => {
    const config = loadConfig({ TEMPORAL_CODEC_KEYS: KEY });
    expect(config).toMatchObject({
      reconcilerEnabled: true,
      podResyncMs: 600_000,
      reconcileScheduleId: 'session-reconciler',
      reconcileIntervalMs: 60_000,
      reconcileGraceMs: 120_000,
      reconcileDryRun: false,
      retainedPvcTtlMs: 7 * 86_400_000,
      interruptionTaints: ['aws-node-termination-handler/spot-itn', 'karpenter.sh/disrupted'],
      interruptionLabels: [],
      leaderLeaseDurationMs: 15_000,
      leaderRenewDeadlineMs: 10_000,
      leaderRetryPeriodMs: 2_000,
      workerMetricsPort: undefined,
    });
  });

  test('durations take s, m, h and d units; lists are comma separated', () => {
    const config = loadConfig({
      TEMPORAL_CODEC_KEYS: KEY,
      AGENTAPI_K8S_SESSION_RECONCILE_INTERVAL: '30s',
      AGENTAPI_K8S_SESSION_RETAINED_PVC_TTL: '36h',
      AGENTAPI_K8S_SESSION_RECONCILE_GRACE: '90',
      AGENTAPI_K8S_SESSION_INTERRUPTION_TAINTS: ' a/b , c ,',
      AGENTAPI_K8S_SESSION_RECONCILE_DRY_RUN: 'true',
      AGENTAPI_K8S_SESSION_POD_RESYNC: '2m',
    });
    expect(config.podResyncMs).toBe(120_000);
    expect(config.reconcileIntervalMs).toBe(30_000);
    expect(config.retainedPvcTtlMs).toBe(36 * 3_600_000);
    expect(config.reconcileGraceMs).toBe(90_000);
    expect(config.interruptionTaints).toEqual(['a/b', 'c']);
    expect(config.reconcileDryRun).toBe(true);
  });

  test('a malformed or zero duration names the variable', () => {
    for (const value of ['1w', '0s', '-5m']) {
      expect(() => loadConfig({ TEMPORAL_CODEC_KEYS: KEY, AGENTAPI_K8S_SESSION_RECONCILE_INTERVAL: value })).toThrow(
        ConfigError,
      );
    }
    expect(() => loadConfig({ TEMPORAL_CODEC_KEYS: KEY, AGENTAPI_K8S_SESSION_RETAINED_PVC_TTL: 'forever' })).toThrow(
      expect.objectContaining({
        problems: [expect.objectContaining({ variable: 'AGENTAPI_K8S_SESSION_RETAINED_PVC_TTL' })],
      }),
    );
  });
});
