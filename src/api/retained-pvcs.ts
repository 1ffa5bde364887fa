/**
 * The HTTP face of the retained-claims limit (the rule is the domain's: ../session/retained-pvcs.ts): a
 * user at the limit is answered 403 FORBIDDEN_BY_POLICY, naming the field and the setting.
 */
import {
  admitRetainedClaims as admitInDomain,
  RetainedClaimsLimitReached,
  type IsRunning,
} from '../session/retained-pvcs.js';
import type { SessionSpec } from '../../workflows/contract/spec.js';
import type * as k8s from '@kubernetes/client-node';
import { ApiError } from './errors.js';

export async function admitRetainedClaims(
  core: k8s.CoreV1Api,
  spec: SessionSpec,
  max: number,
  isRunning: IsRunning,
): Promise<void> {
  try {
    await admitInDomain(core, spec, max, isRunning);
  } catch (err) {
    if (err instanceof RetainedClaimsLimitReached) {
      throw new ApiError(403, 'FORBIDDEN_BY_POLICY', err.message, { details: err.problems });
    }
    throw err;
  }
}
