/**
 * The rules that turn a user's create request into a SessionSpec: defaults from configuration, and every
 * bound an admin sets (resources, lifetime, storage, images, node selector keys). They live here, once,
 * so the API and anything else that builds a spec apply the same rules.
 */
import { sessionDefaults, type Config } from '../config.js';
import { parseQuantity } from '../k8s/quantity.js';
import type { CreateSessionBody } from './create-request.js';
import { SessionSpecSchema, type SessionSpec } from '../../workflows/contract/spec.js';

export interface RequestProblem {
  path: string;
  message: string;
}

/**
 * A request the rules refuse. `policy` problems (something the admin does not allow at all) answer
 * 403 FORBIDDEN_BY_POLICY; the rest (a value out of range or malformed) 400 VALIDATION_ERROR.
 */
export class SessionRequestRejected extends Error {
  constructor(
    readonly kind: 'validation' | 'policy',
    readonly problems: RequestProblem[],
  ) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    this.name = 'SessionRequestRejected';
  }
}

/** The numeric value of a Kubernetes quantity, or undefined when it is not one. */
export function quantityValue(quantity: string): number | undefined {
  const value = parseQuantity(quantity);
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** Whether `image` is allowed: listed exactly, or a digest of a repository listed as `repo@sha256:`. */
export function isImageAllowed(image: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) =>
    entry.endsWith('@sha256:')
      ? image.startsWith(entry) && /^[a-f0-9]{64}$/.test(image.slice(entry.length))
      : entry === image,
  );
}

/** Whether a user may set node selector `key`: listed exactly, or under a listed `prefix*`. */
export function isNodeSelectorKeyAllowed(key: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => (entry.endsWith('*') ? key.startsWith(entry.slice(0, -1)) : entry === key));
}

/** The images a request may choose: the admin's list, or only the configured session image. */
export function allowedImages(config: Pick<Config, 'allowedImages' | 'sessionImage'>): string[] {
  return config.allowedImages.length > 0 ? config.allowedImages : [config.sessionImage];
}

/**
 * Validates a create request against the configured limits into a full spec. Throws
 * {@link SessionRequestRejected} naming every problem (a policy refusal wins over range problems).
 */
export function buildSessionSpec(
  config: Config,
  user: string,
  sessionId: string,
  body: CreateSessionBody,
): SessionSpec {
  const defaults = sessionDefaults(config);
  const c = body.config;
  const problems: RequestProblem[] = [];
  const forbidden: RequestProblem[] = [];
  const resources = {
    cpuRequest: c.cpu_request ?? defaults.resources.cpuRequest,
    cpuLimit: c.cpu_limit ?? defaults.resources.cpuLimit,
    memoryRequest: c.memory_request ?? defaults.resources.memoryRequest,
    memoryLimit: c.memory_limit ?? defaults.resources.memoryLimit,
  };
  // Each resource: positive, within the configured maximum, and its request no larger than its limit.
  const bounds = [
    { kind: 'cpu', request: resources.cpuRequest, limit: resources.cpuLimit, max: config.maxCpuLimit },
    { kind: 'memory', request: resources.memoryRequest, limit: resources.memoryLimit, max: config.maxMemoryLimit },
  ] as const;
  for (const { kind, request, limit, max } of bounds) {
    const amounts: Record<'request' | 'limit', number | undefined> = { request: undefined, limit: undefined };
    for (const [which, value] of [
      ['request', request],
      ['limit', limit],
    ] as const) {
      const field = `body.config.${kind}_${which}`;
      const amount = quantityValue(value);
      if (amount === undefined || amount <= 0) {
        problems.push({ path: field, message: `must be a positive quantity, got ${value}` });
      } else if (amount > quantityValue(max)!) {
        const variable = `AGENTAPI_K8S_SESSION_MAX_${kind.toUpperCase()}_LIMIT`;
        problems.push({ path: field, message: `${value} is above the maximum ${max} (${variable})` });
      } else {
        amounts[which] = amount;
      }
    }
    if (amounts.request !== undefined && amounts.limit !== undefined && amounts.request > amounts.limit) {
      problems.push({
        path: `body.config.${kind}_request`,
        message: `${kind}_request ${request} is above ${kind}_limit ${limit}`,
      });
    }
  }

  // Storage: a PVC only when the admin enabled PVCs, and never larger than the admin's maximum.
  const wantsPvc = c.pvc_enabled ?? (c.pvc_name ? true : defaults.pvc.enabled);
  if (c.pvc_name && c.pvc_enabled === false) {
    problems.push({ path: 'body.config.pvc_name', message: 'pvc_name reuses a claim, which needs pvc_enabled' });
  }
  if (wantsPvc && !config.pvcEnabled) {
    forbidden.push({
      path: c.pvc_name ? 'body.config.pvc_name' : 'body.config.pvc_enabled',
      message: 'persistent workspaces are disabled by the administrator (AGENTAPI_K8S_SESSION_PVC_ENABLED=false)',
    });
  }
  const pvcSize = c.pvc_size ?? defaults.pvc.size;
  const pvcAmount = quantityValue(pvcSize);
  if (!(pvcAmount! > 0)) {
    problems.push({ path: 'body.config.pvc_size', message: `must be a positive quantity, got ${pvcSize}` });
  } else if (pvcAmount! > quantityValue(config.maxPvcSize)!) {
    problems.push({
      path: 'body.config.pvc_size',
      message: `${pvcSize} is above the maximum ${config.maxPvcSize} (AGENTAPI_K8S_SESSION_MAX_PVC_SIZE)`,
    });
  }

  const timeoutMinutes = c.timeout_minutes ?? defaults.timeoutMinutes;
  if (timeoutMinutes > defaults.maxLifetimeMinutes) {
    problems.push({
      path: 'body.config.timeout_minutes',
      message: `${timeoutMinutes} is above the maximum lifetime of ${defaults.maxLifetimeMinutes} minutes (AGENTAPI_K8S_SESSION_MAX_LIFETIME_MINUTES)`,
    });
  }

  const images = allowedImages(config);
  if (c.image !== undefined && !isImageAllowed(c.image, images)) {
    forbidden.push({
      path: 'body.config.image',
      message: `image ${c.image} is not allowed; allowed: ${images.join(', ')} (AGENTAPI_K8S_SESSION_ALLOWED_IMAGES)`,
    });
  }

  const userSelector = c.node_selector ?? {};
  for (const key of Object.keys(userSelector)) {
    if (!isNodeSelectorKeyAllowed(key, config.allowedNodeSelectorKeys)) {
      const allowed = config.allowedNodeSelectorKeys.join(', ') || 'none';
      forbidden.push({
        path: `body.config.node_selector.${key}`,
        message: `node_selector key ${key} is not allowed; allowed keys: ${allowed} (AGENTAPI_K8S_SESSION_ALLOWED_NODE_SELECTOR_KEYS)`,
      });
    }
  }

  const secretEnv = body.secret_env ?? {};
  for (const name of Object.keys(secretEnv)) {
    if (c.env && name in c.env) {
      problems.push({ path: `body.secret_env.${name}`, message: `${name} is also in config.env; set it once` });
    }
  }

  if (forbidden.length > 0) throw new SessionRequestRejected('policy', forbidden);
  if (problems.length > 0) throw new SessionRequestRejected('validation', problems);

  const candidate = {
    ...defaults,
    sessionId,
    user,
    ...(c.image ? { image: c.image } : {}),
    resources,
    pvc: {
      ...defaults.pvc,
      enabled: wantsPvc,
      size: pvcSize,
      ...(c.pvc_name ? { existingClaimName: c.pvc_name } : {}),
    },
    timeoutMinutes,
    env: c.env ?? {},
    // The admin's keys are spread last: they always win over the user's.
    placement: { ...defaults.placement, nodeSelector: { ...userSelector, ...defaults.placement.nodeSelector } },
    secrets: {
      ...(body.github_token ? { githubToken: body.github_token } : {}),
      ...(body.mcp_servers ? { mcpServersJson: JSON.stringify(body.mcp_servers) } : {}),
      ...(Object.keys(secretEnv).length > 0 ? { env: secretEnv } : {}),
    },
  };
  const parsed = SessionSpecSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new SessionRequestRejected(
      'validation',
      parsed.error.issues.map((i) => ({ path: `spec.${i.path.join('.')}`, message: i.message })),
    );
  }
  return parsed.data;
}
