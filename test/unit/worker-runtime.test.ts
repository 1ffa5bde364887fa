/**
 * The Temporal SDK's metrics listener of the worker: off unless WORKER_SDK_METRICS_PORT is set, bound
 * next to the worker's own listener (an IPv6 address in brackets), and never on the same port.
 */
import { ConfigError, loadConfig } from '../../src/config.js';
import { sdkMetricsTelemetry } from '../../src/temporal/worker-runtime.js';

const KEY = `k1:${Buffer.alloc(32, 1).toString('base64')}`;

test('without WORKER_SDK_METRICS_PORT the SDK serves no metrics', () => {
  expect(sdkMetricsTelemetry(loadConfig({ TEMPORAL_CODEC_KEYS: KEY, WORKER_METRICS_PORT: '9464' }))).toBeUndefined();
});

test('the SDK listener binds to WORKER_METRICS_HOST with Prometheus naming (_total counters, seconds)', () => {
  const options = sdkMetricsTelemetry(
    loadConfig({ TEMPORAL_CODEC_KEYS: KEY, WORKER_METRICS_PORT: '9464', WORKER_SDK_METRICS_PORT: '9465' }),
  );
  expect(options).toEqual({
    metrics: { prometheus: { bindAddress: '0.0.0.0:9465', countersTotalSuffix: true, useSecondsForDurations: true } },
  });
  const v6 = sdkMetricsTelemetry(
    loadConfig({ TEMPORAL_CODEC_KEYS: KEY, WORKER_SDK_METRICS_PORT: '9465', WORKER_METRICS_HOST: '::' }),
  );
  expect(v6).toMatchObject({ metrics: { prometheus: { bindAddress: '[::]:9465' } } });
});

test('the two listeners on one port, or a port that is not one, stop the worker at start', () => {
  const load = (env: Record<string, string>) => () => loadConfig({ TEMPORAL_CODEC_KEYS: KEY, ...env });
  expect(load({ WORKER_METRICS_PORT: '9464', WORKER_SDK_METRICS_PORT: '9464' })).toThrow(ConfigError);
  expect(load({ WORKER_METRICS_PORT: '9464', WORKER_SDK_METRICS_PORT: '9464' })).toThrow(
    /WORKER_SDK_METRICS_PORT: must differ/,
  );
  expect(load({ WORKER_SDK_METRICS_PORT: '0' })).toThrow(/WORKER_SDK_METRICS_PORT/);
  expect(load({ WORKER_SDK_METRICS_PORT: 'http' })).toThrow(/WORKER_SDK_METRICS_PORT: must be a number/);
});
