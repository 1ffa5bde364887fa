/** Tracing is off by default and then costs nothing: no provider, no interceptor, no wrapped client. */
import { types } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { loadConfig } from '../../src/config.js';
import { createKubeClients } from '../../src/k8s/client.js';
import {
  activeTelemetry,
  initTelemetry,
  temporalClientInterceptors,
  temporalWorkerPlugins,
} from '../../src/telemetry.js';

const codec = { TEMPORAL_CODEC_KEYS: `t:${Buffer.alloc(32, 1).toString('base64')}` };

test('without OTEL_EXPORTER_OTLP_ENDPOINT nothing is registered or wrapped', () => {
  expect(initTelemetry({ serviceName: 'x', config: loadConfig(codec) })).toBeUndefined();
  expect(activeTelemetry()).toBeUndefined();
  expect(temporalClientInterceptors()).toBeUndefined();
  expect(temporalWorkerPlugins()).toEqual([]);
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  expect(types.isProxy(createKubeClients(kc).core)).toBe(false);
});

test('an OTLP endpoint in the standard variables turns tracing on, with the configured service name', async () => {
  const config = loadConfig({
    ...codec,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:1/v1/traces',
    OTEL_SERVICE_NAME: 'my-api',
  });
  expect(config.otlpTracesEndpoint).toBe('http://127.0.0.1:1/v1/traces');
  const telemetry = initTelemetry({ serviceName: 'session-api', config });
  try {
    expect(telemetry?.resource.attributes['service.name']).toBe('my-api');
    expect(temporalClientInterceptors()?.workflow).toHaveLength(1);
    expect(temporalWorkerPlugins()).toHaveLength(1);
  } finally {
    await telemetry?.shutdown();
  }
  expect(activeTelemetry()).toBeUndefined();
});
