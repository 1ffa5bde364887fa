/**
 * A client span around every Kubernetes API call of a client-node API object (`createNamespacedPod`,
 * `readNamespacedPod`, …), child of whatever span is active (an activity's, or an HTTP request's).
 * A Proxy keeps the API object's type and every method, including ones added by later client versions.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { tracer } from './telemetry.js';

export function tracedKubeApi<T extends object>(api: T, group: string): T {
  return new Proxy(api, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        const params = (args[0] ?? {}) as { namespace?: unknown; name?: unknown };
        return tracer().startActiveSpan(
          `k8s ${property}`,
          {
            kind: SpanKind.CLIENT,
            attributes: {
              'k8s.api': group,
              'k8s.operation': property,
              ...(typeof params.namespace === 'string' ? { 'k8s.namespace.name': params.namespace } : {}),
              ...(typeof params.name === 'string' ? { 'k8s.object.name': params.name } : {}),
            },
          },
          async (span) => {
            try {
              return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            } catch (err) {
              const code = (err as { code?: unknown }).code;
              if (typeof code === 'number') span.setAttribute('http.response.status_code', code);
              span.setStatus({
                code: SpanStatusCode.ERROR,
                message: err instanceof Error ? err.message.split('\n')[0] : String(err),
              });
              throw err;
            } finally {
              span.end();
            }
          },
        );
      };
    },
  });
}
