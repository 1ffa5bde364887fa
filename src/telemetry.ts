/**
 * OpenTelemetry tracing: one trace from the HTTP request through the session workflow to each activity
 * and each Kubernetes call. Off unless an OTLP endpoint is configured (the standard OTEL_* variables,
 * which the OTLP exporter reads itself) or a test passes its own span processor; when off nothing is
 * registered, no interceptor or wrapper is installed, and the hot paths pay one boolean check.
 */
import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OpenTelemetryPlugin, OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Config } from './config.js';

export const TRACER_NAME = 'session-orchestrator';

export interface Telemetry {
  readonly resource: Resource;
  readonly spanProcessor: SpanProcessor;
  readonly provider: NodeTracerProvider;
  /** Flushes pending spans and stops exporting. */
  shutdown(): Promise<void>;
}

let active: Telemetry | undefined;

export interface TelemetryOptions {
  /** `service.name` when OTEL_SERVICE_NAME is not set. */
  serviceName: string;
  config: Pick<Config, 'otlpTracesEndpoint' | 'otelServiceName'>;
  /** Tests collect spans in process instead of exporting them. */
  spanProcessor?: SpanProcessor;
}

/**
 * Registers the process's tracer provider (once) when tracing is configured; returns undefined when it
 * is not. Both processes call it first thing in `main`.
 */
export function initTelemetry(options: TelemetryOptions): Telemetry | undefined {
  if (active) return active;
  if (!options.spanProcessor && !options.config.otlpTracesEndpoint) return undefined;
  const resource = new Resource({ 'service.name': options.config.otelServiceName ?? options.serviceName });
  const spanProcessor = options.spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Global: the Temporal interceptors, the HTTP middleware and the Kubernetes wrapper find it there, and
  // the AsyncLocalStorage context manager carries the active span across awaits.
  provider.register();
  const telemetry: Telemetry = {
    resource,
    spanProcessor,
    provider,
    async shutdown() {
      if (active === telemetry) active = undefined;
      await provider.shutdown();
      trace.disable();
    },
  };
  active = telemetry;
  return telemetry;
}

/** The registered telemetry, if tracing is on. */
export function activeTelemetry(): Telemetry | undefined {
  return active;
}

export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** Temporal client interceptors that carry the caller's trace into workflow headers (empty when off). */
export function temporalClientInterceptors(): { workflow: OpenTelemetryWorkflowClientInterceptor[] } | undefined {
  return active ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
}

/** The worker plugin: workflow and activity interceptors plus the sink that exports workflow spans. */
export function temporalWorkerPlugins(): OpenTelemetryPlugin[] {
  return active ? [new OpenTelemetryPlugin({ resource: active.resource, spanProcessor: active.spanProcessor })] : [];
}
