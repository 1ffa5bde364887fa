/**
 * Session specs for tests against the local stack, built the way the API builds them: configuration
 * defaults (`sessionDefaults(loadConfig(env))`) aimed at the stack's session namespace and storage class,
 * plus a unique session id so tests never share objects.
 */
import { loadConfig, sessionDefaults } from '../../src/config.js';
import { SessionSpecSchema, type SessionSpec } from '../../workflows/contract/spec.js';
import { stackEnv, uniqueSuffix } from './stack.js';

/** A throwaway 32-byte key: config demands one, and nothing here encrypts a payload with it. */
const TEST_CODEC_KEYS = `test:${Buffer.alloc(32, 7).toString('base64')}`;

/** A session spec for the running stack; `overrides` replace whole top-level fields. */
export function testSessionSpec(overrides: Partial<SessionSpec> = {}): SessionSpec {
  const env = stackEnv();
  const config = loadConfig({
    AGENTAPI_K8S_SESSION_NAMESPACE: env.AGENTAPI_K8S_SESSION_NAMESPACE,
    AGENTAPI_K8S_SESSION_PVC_STORAGE_CLASS: env.AGENTAPI_K8S_SESSION_PVC_STORAGE_CLASS,
    // KWOK never pulls images, so any reference works.
    AGENTAPI_K8S_SESSION_IMAGE: 'example.invalid/agentapi:test',
    TEMPORAL_CODEC_KEYS: TEST_CODEC_KEYS,
  });
  return SessionSpecSchema.parse({
    ...sessionDefaults(config),
    sessionId: `t-${uniqueSuffix()}`,
    user: 'test-user@example.com',
    // Not real, but secret-shaped: tests assert it never leaks into failures or logs.
    secrets: { githubToken: 'ghp_test-token-not-real', mcpServersJson: '{"mcpServers":{}}' },
    ...overrides,
  });
}
