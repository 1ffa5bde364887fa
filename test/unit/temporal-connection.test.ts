import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.js';
import { temporalConnectionOptions } from '../../src/temporal/connection-options.js';

const KEYS = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const config = (env: Record<string, string>) => loadConfig({ TEMPORAL_CODEC_KEYS: KEYS, ...env });
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('Temporal connection options', () => {
  test('without TLS settings the connection is plaintext, as for the local dev server', () => {
    expect(temporalConnectionOptions(config({}))).toEqual({ address: '127.0.0.1:7233' });
  });

  test('CA, client certificate and key are read from files, or taken as inline PEM', () => {
    const dir = mkdtempSync(join(tmpdir(), 'so-tls-'));
    writeFileSync(join(dir, 'ca.pem'), PEM);
    const options = temporalConnectionOptions(
      config({
        TEMPORAL_TLS_CA: join(dir, 'ca.pem'),
        TEMPORAL_TLS_CERT: PEM,
        TEMPORAL_TLS_KEY: PEM,
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      }),
    );
    expect(Buffer.from(options.tls!.serverRootCACertificate!).toString()).toBe(PEM);
    expect(Buffer.from(options.tls!.clientCertPair!.crt).toString()).toBe(PEM);
    expect(options.tls!.serverNameOverride).toBe('temporal.internal');
  });

  test('an API key implies TLS and is sent', () => {
    expect(temporalConnectionOptions(config({ TEMPORAL_API_KEY: 'secret-key' }))).toEqual({
      address: '127.0.0.1:7233',
      tls: {},
      apiKey: 'secret-key',
    });
  });

  test('a client certificate without its key stops the process at start', () => {
    expect(() => config({ TEMPORAL_TLS_CERT: PEM })).toThrow(ConfigError);
  });
});
