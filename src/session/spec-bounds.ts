/**
 * The admin's bounds, checked again on a finished SessionSpec where the worker is about to act on it.
 * The API builds every spec within them (./request-rules.ts), but a spec can reach the task queue
 * without the API: whoever may start workflows in the Temporal namespace and can encrypt payloads (an
 * admin through `/codec/encode`) can hand the worker any spec. So the worker refuses what the API
 * would have refused: resources, storage and lifetime above the maxima, an image outside an explicit
 * ALLOWED_IMAGES list, and an identity (service account, runtime class, priority class) the admin did
 * not configure.
 */
import type { Config } from '../config.js';
import { allowedImages, isImageAllowed, quantityValue, type RequestProblem } from './request-rules.js';
import type { SessionSpec } from '../../workflows/contract/spec.js';

export type SpecBoundsConfig = Pick<
  Config,
  | 'maxCpuLimit'
  | 'maxMemoryLimit'
  | 'maxPvcSize'
  | 'maxLifetimeMinutes'
  | 'allowedImages'
  | 'sessionImage'
  | 'serviceAccountName'
  | 'runtimeClassName'
  | 'priorityClassName'
>;

/** Every way `spec` exceeds the configured bounds (empty when it is within them). */
export function specOutOfBounds(config: SpecBoundsConfig, spec: SessionSpec): RequestProblem[] {
  const problems: RequestProblem[] = [];
  const above = (path: string, value: string, max: string, variable: string) => {
    const amount = quantityValue(value);
    if (amount === undefined || amount > quantityValue(max)!) {
      problems.push({ path, message: `${value} is above the maximum ${max} (${variable})` });
    }
  };
  above('resources.cpuLimit', spec.resources.cpuLimit, config.maxCpuLimit, 'AGENTAPI_K8S_SESSION_MAX_CPU_LIMIT');
  above('resources.cpuRequest', spec.resources.cpuRequest, spec.resources.cpuLimit, 'its cpuLimit');
  above(
    'resources.memoryLimit',
    spec.resources.memoryLimit,
    config.maxMemoryLimit,
    'AGENTAPI_K8S_SESSION_MAX_MEMORY_LIMIT',
  );
  above('resources.memoryRequest', spec.resources.memoryRequest, spec.resources.memoryLimit, 'its memoryLimit');
  if (spec.pvc.enabled) above('pvc.size', spec.pvc.size, config.maxPvcSize, 'AGENTAPI_K8S_SESSION_MAX_PVC_SIZE');
  for (const [path, minutes] of [
    ['timeoutMinutes', spec.timeoutMinutes],
    ['maxLifetimeMinutes', spec.maxLifetimeMinutes],
  ] as const) {
    if (minutes > config.maxLifetimeMinutes) {
      problems.push({
        path,
        message: `${minutes} is above the maximum lifetime of ${config.maxLifetimeMinutes} minutes (AGENTAPI_K8S_SESSION_MAX_LIFETIME_MINUTES)`,
      });
    }
  }
  // Without an explicit list the API allows only the configured image, which a worker of several
  // deployments' task queues may not share; with one, the list is the admin's word for every worker.
  if (config.allowedImages.length > 0) {
    const images = [...allowedImages(config), config.sessionImage];
    if (!isImageAllowed(spec.image, images)) {
      problems.push({
        path: 'image',
        message: `image ${spec.image} is not allowed (AGENTAPI_K8S_SESSION_ALLOWED_IMAGES)`,
      });
    }
  }
  for (const [path, value, configured] of [
    ['serviceAccountName', spec.serviceAccountName, config.serviceAccountName],
    ['runtimeClassName', spec.runtimeClassName, config.runtimeClassName],
    ['priorityClassName', spec.priorityClassName, config.priorityClassName],
  ] as const) {
    if (value !== undefined && value !== configured) {
      problems.push({ path, message: `${value} is not the configured ${configured ?? '(none)'}` });
    }
  }
  return problems;
}
