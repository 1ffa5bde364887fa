/**
 * Warm pools (the first defence against cold starts): the domain rules both the API and the worker use. A pool is a set of
 * pre-started pods of one *profile* — the part of a session pod that does not depend on the user (image,
 * resources, runtimeClass, placement, sidecars). A create request can take a warm pod exactly when its
 * session would have produced a pod of the same profile; everything user-specific (token, MCP config,
 * env) is delivered to the claimed pod afterwards (see src/api/provision-routes.ts).
 */
import { z } from 'zod';
import { ResourcesSchema, TolerationSchema, type SessionSpec } from '../../workflows/contract/spec.js';
import {
  PoolNameSchema,
  WarmPoolSizeScheduleSchema,
  WarmTemplateSchema,
  type WarmPoolProfile,
  type WarmTemplate,
} from '../../workflows/contract/warm-pool.js';

/** One entry of AGENTAPI_K8S_SESSION_WARM_POOLS_FILE; unset fields take the session defaults. */
export const WarmPoolFileEntrySchema = z
  .object({
    name: PoolNameSchema,
    image: z.string().min(1).optional(),
    resources: ResourcesSchema.partial().optional(),
    runtimeClassName: z.string().min(1).optional(),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    tolerations: z.array(TolerationSchema).optional(),
    min: z.number().int().min(0),
    max: z.number().int().min(0),
    schedule: z.array(WarmPoolSizeScheduleSchema).default([]),
    timezone: z.string().min(1).default('UTC'),
  })
  .refine((p) => p.max >= p.min, { message: 'max must be at least min', path: ['max'] });

export const WarmPoolsFileSchema = z
  .object({ pools: z.array(WarmPoolFileEntrySchema) })
  .refine((f) => new Set(f.pools.map((p) => p.name)).size === f.pools.length, {
    message: 'pool names must be unique',
    path: ['pools'],
  });
export type WarmPoolsFile = z.infer<typeof WarmPoolsFileSchema>;

/** The name of the pool built from the session defaults (AGENTAPI_K8S_SESSION_WARM_POOL_MIN/_MAX). */
export const DEFAULT_POOL = 'default';

/** The template of a session spec (drops everything user-specific). */
export function templateOf(spec: Omit<SessionSpec, 'sessionId' | 'user' | 'secrets'>): WarmTemplate {
  return WarmTemplateSchema.parse({
    namespace: spec.namespace,
    image: spec.image,
    sidecarImages: spec.sidecarImages,
    resources: spec.resources,
    placement: spec.placement,
    runtimeClassName: spec.runtimeClassName,
    nativeSidecars: spec.nativeSidecars,
    serviceAccountName: spec.serviceAccountName,
    podStopGraceSeconds: spec.podStopGraceSeconds,
  });
}

export { canStartWarm } from '../../workflows/contract/warm-match.js';

/** Canonical JSON: object keys sorted, so equal templates hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Profiles from the session defaults and the pools file; the default pool exists only when max > 0. */
export function buildWarmPoolProfiles(
  defaults: Omit<SessionSpec, 'sessionId' | 'user' | 'secrets'>,
  sizes: { min: number; max: number },
  file: WarmPoolsFile | undefined,
): WarmPoolProfile[] {
  const base = templateOf(defaults);
  const profiles: WarmPoolProfile[] = [];
  if (sizes.max > 0) {
    profiles.push({
      name: DEFAULT_POOL,
      template: base,
      min: sizes.min,
      max: sizes.max,
      schedule: [],
      timezone: 'UTC',
    });
  }
  for (const entry of file?.pools ?? []) {
    profiles.push({
      name: entry.name,
      template: WarmTemplateSchema.parse({
        ...base,
        ...(entry.image ? { image: entry.image } : {}),
        resources: { ...base.resources, ...entry.resources },
        ...(entry.runtimeClassName ? { runtimeClassName: entry.runtimeClassName } : {}),
        placement: {
          ...base.placement,
          ...(entry.nodeSelector ? { nodeSelector: entry.nodeSelector } : {}),
          ...(entry.tolerations ? { tolerations: entry.tolerations } : {}),
        },
      }),
      min: entry.min,
      max: entry.max,
      schedule: entry.schedule,
      timezone: entry.timezone,
    });
  }
  return profiles;
}
