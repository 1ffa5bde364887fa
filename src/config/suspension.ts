/**
 * Suspend and resume (sessions with a PVC rest without a pod): idle auto-suspend and the suspended-session quota.
 */
import { z } from 'zod';
import { S, int, envDocs, type ParsedEnv } from './env.js';

const { docs, doc } = envDocs();

const schema = {
  [doc(
    `${S}IDLE_MINUTES`,
    '0',
    'Minutes without proxied traffic (agent /status stable) before a session with a PVC is suspended; 0 = never. Fractions allowed (tests)',
  )]: z.coerce.number({ error: 'must be a number' }).min(0).default(0),
  [doc(
    `${S}MAX_SUSPENDED_PER_USER`,
    '5',
    'Suspended sessions a user may have (they do not count toward API_MAX_SESSIONS_PER_USER)',
  )]: int(5, 0),
};

function read(e: ParsedEnv) {
  return {
    idleMinutes: e[`${S}IDLE_MINUTES`] as number,
    maxSuspendedPerUser: e[`${S}MAX_SUSPENDED_PER_USER`] as number,
  };
}

export const suspensionEnv = { docs, schema, read };
