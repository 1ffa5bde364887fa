/**
 * The Temporal Core runtime of the worker process: where the SDK's own logs go and whether its own
 * metrics are served. Installed once per process, before any connection, so only by the worker's `main`.
 */
import { DefaultLogger, Runtime, type LogEntry, type RuntimeOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

/**
 * The SDK's Prometheus exporter (`temporal_*`: task slots, pollers, schedule-to-start and request
 * latency, workflow task failures, sticky cache) on its own listener, as Core serves it. Counters get
 * `_total` and durations are in seconds, the Prometheus conventions the alert rules are written for.
 */
export function sdkMetricsTelemetry(
  config: Pick<Config, 'workerSdkMetricsPort' | 'workerMetricsHost'>,
): RuntimeOptions['telemetryOptions'] {
  if (config.workerSdkMetricsPort === undefined) return undefined;
  const host = config.workerMetricsHost.includes(':') ? `[${config.workerMetricsHost}]` : config.workerMetricsHost;
  return {
    metrics: {
      prometheus: {
        bindAddress: `${host}:${config.workerSdkMetricsPort}`,
        countersTotalSuffix: true,
        useSecondsForDurations: true,
      },
    },
  };
}

/**
 * Routes the SDK's own logs (worker state, workflow `log.*`, activity logs) into the process's pino
 * logger, so an operator reads one JSON stream, and serves the SDK's metrics when configured.
 */
export function installWorkerRuntime(log: Logger, config: Config): void {
  const levels = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
  const sdkLevel =
    log.levelVal <= 10
      ? 'TRACE'
      : log.levelVal <= 20
        ? 'DEBUG'
        : log.levelVal <= 30
          ? 'INFO'
          : log.levelVal <= 40
            ? 'WARN'
            : 'ERROR';
  const telemetryOptions = sdkMetricsTelemetry(config);
  Runtime.install({
    logger: new DefaultLogger(sdkLevel, (entry: LogEntry) => {
      log[levels[entry.level]]({ ...entry.meta, sdk: true }, entry.message);
    }),
    ...(telemetryOptions ? { telemetryOptions } : {}),
  });
}
