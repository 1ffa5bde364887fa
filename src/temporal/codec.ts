/**
 * Payload encryption for everything a session puts in Temporal (its spec carries a GitHub token and MCP
 * configuration): AES-256-GCM, with the key id in the payload metadata so keys can rotate — the first
 * configured key encrypts, every configured key decrypts. A payload that is not encrypted decodes to a
 * marker the worker's interceptors refuse (see workflows/contract/unencrypted.ts).
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DataConverter } from '@temporalio/common';
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { UNENCRYPTED_PAYLOAD_MARKER, type UnencryptedPayloadMarker } from '../../workflows/contract/unencrypted.js';
import type { Config } from '../config.js';

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface CodecKey {
  id: string;
  key: Buffer;
}

/** Parses `id:base64key[,id:base64key…]`; every key must be 32 bytes. */
export function parseCodecKeys(text: string): CodecKey[] {
  const keys = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(':');
      if (at <= 0) throw new Error('TEMPORAL_CODEC_KEYS: each key must look like id:base64key');
      const key = Buffer.from(entry.slice(at + 1), 'base64');
      if (key.length !== 32) throw new Error(`TEMPORAL_CODEC_KEYS: key "${entry.slice(0, at)}" is not 32 bytes`);
      return { id: entry.slice(0, at), key };
    });
  if (keys.length === 0) throw new Error('TEMPORAL_CODEC_KEYS: no key given');
  return keys;
}

export function loadCodecKeys(config: Pick<Config, 'codecKeys' | 'codecKeysFile'>): CodecKey[] {
  const text = config.codecKeys ?? (config.codecKeysFile ? readFileSync(config.codecKeysFile, 'utf8') : '');
  return parseCodecKeys(text);
}

export class AesGcmPayloadCodec implements PayloadCodec {
  /**
   * Each key as a KeyObject made once: given raw bytes, every createCipheriv/createDecipheriv makes one
   * itself, which was most of each payload's cost (25 → 6 µs per 300-byte payload, Node 24).
   */
  private readonly byId: Map<string, KeyObject>;
  private readonly active: { id: string; key: KeyObject };
  constructor(keys: CodecKey[]) {
    if (keys.length === 0) throw new Error('AesGcmPayloadCodec needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, createSecretKey(k.key)]));
    this.active = { id: keys[0]!.id, key: createSecretKey(keys[0]!.key) };
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const active = this.active;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', active.key, iv);
      // The whole original payload (metadata included) is encrypted, so its encoding leaks nothing either.
      const plain = Buffer.from(JSON.stringify({ m: encodeMetadata(payload.metadata), d: toB64(payload.data) }));
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: Buffer.from(ENCODING), [KEY_ID]: Buffer.from(active.id) },
        data: new Uint8Array(data),
      };
    });
  }

  /**
   * Decrypts what a holder of a configured key wrote. Anything else — plaintext, a key id this process
   * does not have, data that fails authentication — becomes a marker the worker's interceptors refuse: a
   * thrown decode error would only fail the workflow task again and again, so a forged signal could wedge
   * any session. (Rotation therefore adds a new key to every process before any process encrypts with it.)
   */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const decoded = this.decrypt(payload);
      return 'untrusted' in decoded ? untrustedMarker(decoded.untrusted) : decoded.payload;
    });
  }

  /**
   * What an operator's tool (the Temporal UI through /codec/decode) is shown: plaintext payloads pass
   * through as they are, ciphertext this process cannot authenticate is an error rather than a marker.
   */
  async decodeForDisplay(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCODING) return payload;
      const decoded = this.decrypt(payload);
      if ('untrusted' in decoded) throw new Error(`payload ${decoded.untrusted}`);
      return decoded.payload;
    });
  }

  private decrypt(payload: Payload): { payload: Payload } | { untrusted: string } {
    const encoding = Buffer.from(payload.metadata?.encoding ?? []).toString();
    if (encoding !== ENCODING) return { untrusted: `not encrypted (encoding ${encoding.slice(0, 64) || 'none'})` };
    const keyId = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
    const key = this.byId.get(keyId);
    if (!key) return { untrusted: `encrypted with unknown key id "${keyId.slice(0, 64)}"` };
    let plain: Buffer;
    try {
      const data = Buffer.from(payload.data ?? []);
      const iv = data.subarray(0, IV_BYTES);
      const tag = data.subarray(data.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      return { untrusted: `failed authentication with key "${keyId}"` };
    }
    const { m, d } = JSON.parse(plain.toString()) as { m: Record<string, string>; d: string | null };
    return {
      payload: {
        metadata: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
        data: d === null ? undefined : new Uint8Array(Buffer.from(d, 'base64')),
      },
    };
  }
}

function untrustedMarker(reason: string): Payload {
  const marker: UnencryptedPayloadMarker = { [UNENCRYPTED_PAYLOAD_MARKER]: true, reason };
  return defaultPayloadConverter.toPayload(marker);
}

function toB64(bytes: Uint8Array | null | undefined): string | null {
  return bytes ? Buffer.from(bytes).toString('base64') : null;
}

function encodeMetadata(metadata: Payload['metadata']): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, toB64(v) ?? '']));
}

/** The data converter every client and worker of this project uses. */
export function createDataConverter(config: Pick<Config, 'codecKeys' | 'codecKeysFile'>): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(loadCodecKeys(config))] };
}
