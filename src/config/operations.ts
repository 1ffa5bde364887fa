/**
 * Operations: graceful API shutdown, the event streams' keep-alive, the codec endpoint's CORS
 * origins, and tracing.
 */
import { seconds, optionalString, envDocs, type ParsedEnv } from './env.js';

const { docs, doc } = envDocs();

const schema = {
  [doc(
    'API_SHUTDOWN_DELAY_SECONDS',
    '5',
    'On SIGTERM, seconds /ready answers 503 before the listener closes (lets balancers stop sending)',
  )]: seconds(5),
  // Each keep-alive is a write on every open stream, the one cost an idle stream has: at 15 s, 3,000 idle
  // streams spent about 1.7 % of a core of the API's on them (measured by the benchmark with and without). 30 s
  // halves it and stays well inside the 60 s idle timeout of nginx and AWS load balancers by default.
  [doc(
    'API_SSE_KEEPALIVE_SECONDS',
    '30',
    'Seconds between keep-alive comments on an idle event stream (1-300): below the idle timeout of every proxy in front',
  )]: seconds(30).refine((s) => s >= 1 && s <= 300, 'must be 1 to 300 seconds'),
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
    sseKeepAliveSeconds: e.API_SSE_KEEPALIVE_SECONDS as number,
    codecCorsOrigins: ((e.API_CODEC_CORS_ORIGINS as string | undefined) ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    otlpTracesEndpoint: (e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_ENDPOINT) as string | undefined,
    otelServiceName: e.OTEL_SERVICE_NAME as string | undefined,
  };
}

export const operationsEnv = { docs, schema, read };
