/**
 * Which sessions may start on a warm pod: a rule the session workflow applies before it asks for a claim
 * and the claim activity applies again. Free of zod and Node built-ins, so the workflow sandbox can import it.
 */
import type { SessionSpec } from './spec.js';

/** Why a session cannot take a warm pod, or undefined when it can. */
export function warmIneligibility(spec: Pick<SessionSpec, 'pvc' | 'env'>): string | undefined {
  // A volume cannot be attached to a running pod, and the workspace claim is created for the session.
  if (spec.pvc.enabled) return 'the session has a workspace volume';
  // Plain env is part of the container spec, which a running pod cannot change; the provisioning answer
  // carries only the session's secrets (token, MCP config, secret env).
  if (Object.keys(spec.env).length > 0) return 'the session has plain env vars';
  return undefined;
}

/** Whether a session may start on a warm pod at all (see {@link warmIneligibility}). */
export function canStartWarm(spec: Pick<SessionSpec, 'pvc' | 'env'>): boolean {
  return warmIneligibility(spec) === undefined;
}

/** The memo key a session records how it started under (`warm` | `cold`): the session list reads it from visibility. */
export const START_MEMO_KEY = 'start';
