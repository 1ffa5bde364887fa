/**
 * How every process reaches the Temporal frontend: plain gRPC only when nothing asks for more; TLS (with
 * a private CA, a server name and a client certificate for mTLS) and/or an API key otherwise. The client
 * (`Connection`) and the worker (`NativeConnection`) take the same options, so both are built here once.
 */
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { Config } from '../config.js';

export type TemporalTransportConfig = Pick<
  Config,
  | 'temporalAddress'
  | 'temporalTls'
  | 'temporalTlsCa'
  | 'temporalTlsCert'
  | 'temporalTlsKey'
  | 'temporalTlsServerName'
  | 'temporalApiKey'
>;

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

/** PEM given inline (`-----BEGIN …`) is used as is; anything else is a file path to read. */
function pem(value: string): Buffer {
  return value.trimStart().startsWith('-----BEGIN') ? Buffer.from(value) : readFileSync(value);
}

/** Connection options for `Connection.connect` and `NativeConnection.connect`. */
export function temporalConnectionOptions(config: TemporalTransportConfig): TemporalConnectionOptions {
  const wantsTls =
    config.temporalTls ||
    Boolean(config.temporalTlsCa || config.temporalTlsCert || config.temporalTlsServerName || config.temporalApiKey);
  if (!wantsTls) return { address: config.temporalAddress };
  const tls: TLSConfig = {
    ...(config.temporalTlsServerName ? { serverNameOverride: config.temporalTlsServerName } : {}),
    ...(config.temporalTlsCa ? { serverRootCACertificate: pem(config.temporalTlsCa) } : {}),
    ...(config.temporalTlsCert && config.temporalTlsKey
      ? { clientCertPair: { crt: pem(config.temporalTlsCert), key: pem(config.temporalTlsKey) } }
      : {}),
  };
  return {
    address: config.temporalAddress,
    tls,
    ...(config.temporalApiKey ? { apiKey: config.temporalApiKey } : {}),
  };
}

/** Callers (tests among them) that only know the address get a plaintext connection, as before. */
export function withTransportDefaults(config: Partial<TemporalTransportConfig>): TemporalTransportConfig {
  return {
    temporalAddress: config.temporalAddress ?? '127.0.0.1:7233',
    temporalTls: config.temporalTls ?? false,
    temporalTlsCa: config.temporalTlsCa,
    temporalTlsCert: config.temporalTlsCert,
    temporalTlsKey: config.temporalTlsKey,
    temporalTlsServerName: config.temporalTlsServerName,
    temporalApiKey: config.temporalApiKey,
  };
}
