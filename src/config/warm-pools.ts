/**
 * Warm pools (pre-started pods a create claims to avoid a cold start): the default profile's pool, further profiles, and how claimed pods fetch their
 * credentials.
 */
import { z } from 'zod';
import { S, int, seconds, optionalString, envDocs, type ParsedEnv } from './env.js';

const { docs, doc } = envDocs();

const schema = {
  [doc(`${S}WARM_POOL_MIN`, '0', 'Warm pods kept available for the default profile (see "Warm pools")')]: int(0, 0),
  [doc(`${S}WARM_POOL_MAX`, '0', "Largest size of the default profile's warm pool; 0 turns it off")]: int(0, 0),
  [doc(`${S}WARM_POOLS_FILE`, '(none)', 'YAML or JSON file of further warm pool profiles')]: optionalString,
  [doc(`${S}WARM_POOL_RESYNC`, '30', 'Seconds between warm pool checks; bounds how late a lost warm pod is replaced')]:
    seconds(30),
  [doc(
    `${S}WARM_PROVISION_URL`,
    '(the provisioning Service)',
    "URL claimed warm pods fetch their session credentials from: the worker's provisioning listener",
  )]: z
    .string()
    .url()
    .default('http://session-orchestrator-provision.session-orchestrator.svc:8081/internal/v1/provision'),
  [doc(
    'WORKER_PROVISION_HOST',
    '0.0.0.0',
    "Address of the worker's provisioning listener (warm pods only; never on the API's listener)",
  )]: z.string().min(1).default('0.0.0.0'),
  [doc(
    'WORKER_PROVISION_PORT',
    '(off)',
    "Port of the worker's provisioning listener, where claimed warm pods fetch their credentials; unset: no listener",
  )]: z.coerce.number().int().min(0).max(65535).optional(),
};

function read(e: ParsedEnv) {
  return {
    warmPoolMin: e[`${S}WARM_POOL_MIN`] as number,
    warmPoolMax: e[`${S}WARM_POOL_MAX`] as number,
    warmPoolsFile: e[`${S}WARM_POOLS_FILE`] as string | undefined,
    warmPoolReconcileSeconds: e[`${S}WARM_POOL_RESYNC`] as number,
    warmPoolProvisionUrl: e[`${S}WARM_PROVISION_URL`] as string,
    provisionHost: e.WORKER_PROVISION_HOST as string,
    provisionPort: e.WORKER_PROVISION_PORT as number | undefined,
  };
}

export const warmPoolsEnv = { docs, schema, read };
