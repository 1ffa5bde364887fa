/**
 * Operations (issue 12): graceful API shutdown, the codec endpoint's CORS origins, and tracing.
 */
import { seconds, optionalString, envDocs, type ParsedEnv } from './env.js';

const { docs, doc } = envDocs();

const schema = {
  [doc(
    'API_SHUTDOWN_DELAY_SECONDS',
    '5',
    'On SIGTERM, seconds /ready answers 503 before the listener closes (lets balancers stop sending)',
  )]: seconds(5),
  [doc(
    'API_CODEC_CORS_ORIGINS',
    '(none)',
    'Comma-separated origins (the Temporal UI) allowed to call /codec/* from a browser',
  )]: optionalString,
  [doc(
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    '(none: tracing off)',
    'OTLP/HTTP endpoint for traces; tracing is on only when this or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set',
  )]: optionalString,
  [doc('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', '(none)', 'OTLP/HTTP endpoint for traces only (overrides the above)')]:
    optionalString,
  [doc('OTEL_SERVICE_NAME', '(session-api / session-worker)', 'service.name of the exported spans')]: optionalString,
};

function read(e: ParsedEnv) {
  return {
    apiShutdownDelaySeconds: e.API_SHUTDOWN_DELAY_SECONDS as number,
    codecCorsOrigins: ((e.API_CODEC_CORS_ORIGINS as string | undefined) ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    otlpTracesEndpoint: (e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_ENDPOINT) as string | undefined,
    otelServiceName: e.OTEL_SERVICE_NAME as string | undefined,
  };
}

export const operationsEnv = { docs, schema, read };
