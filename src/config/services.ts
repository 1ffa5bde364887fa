/**
 * The services every process uses: Temporal (address, namespace, task queue, payload keys), the cluster,
 * logging, and the HTTP API's listener, keys and per-user session limit.
 */
import { z } from 'zod';
import { bool, int, optionalString, envDocs, type ParsedEnv } from './env.js';

const { docs, doc } = envDocs();

const schema = {
  [doc('TEMPORAL_ADDRESS', '127.0.0.1:7233', 'Temporal frontend host:port')]: z
    .string()
    .min(1)
    .default('127.0.0.1:7233'),
  [doc('TEMPORAL_NAMESPACE', 'default', 'Temporal namespace')]: z.string().min(1).default('default'),
  [doc('TEMPORAL_TASK_QUEUE', 'session-orchestrator', 'Task queue of the session workflows')]: z
    .string()
    .min(1)
    .default('session-orchestrator'),
  [doc(
    'TEMPORAL_CODEC_KEYS',
    '(required, or _FILE)',
    'Payload encryption keys `id:base64(32 bytes)`, comma separated; the first encrypts',
  )]: optionalString,
  [doc('TEMPORAL_CODEC_KEYS_FILE', '(none)', 'File holding TEMPORAL_CODEC_KEYS')]: optionalString,
  [doc('KUBECONFIG', '(in-cluster service account)', 'Kubeconfig of the cluster sessions run in')]: optionalString,
  [doc('LOG_LEVEL', 'info', 'pino log level')]: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  [doc('API_HOST', '127.0.0.1', 'Address the HTTP API listens on')]: z.string().min(1).default('127.0.0.1'),
  [doc('API_PORT', '8080', 'Port of the HTTP API')]: int(8080, 0),
  [doc('API_KEYS_FILE', '(none: every request is 401)', 'JSON file of hashed API keys (see `npm run api-key`)')]:
    optionalString,
  [doc('API_MAX_SESSIONS_PER_USER', '5', 'Concurrent (unfinished) sessions a user may have')]: int(5),
  [doc('API_METRICS_AUTH', 'true', 'Require an API key for GET /metrics')]: bool(true),
};

function read(e: ParsedEnv) {
  return {
    temporalAddress: e.TEMPORAL_ADDRESS as string,
    temporalNamespace: e.TEMPORAL_NAMESPACE as string,
    temporalTaskQueue: e.TEMPORAL_TASK_QUEUE as string,
    codecKeys: e.TEMPORAL_CODEC_KEYS as string | undefined,
    codecKeysFile: e.TEMPORAL_CODEC_KEYS_FILE as string | undefined,
    kubeconfig: e.KUBECONFIG as string | undefined,
    logLevel: e.LOG_LEVEL as string,
    apiHost: e.API_HOST as string,
    apiPort: e.API_PORT as number,
    apiKeysFile: e.API_KEYS_FILE as string | undefined,
    apiMaxSessionsPerUser: e.API_MAX_SESSIONS_PER_USER as number,
    apiMetricsAuth: e.API_METRICS_AUTH as boolean,
  };
}

export const servicesEnv = { docs, schema, read };
