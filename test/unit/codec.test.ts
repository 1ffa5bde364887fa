import { createCipheriv } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, parseCodecKeys } from '../../src/temporal/codec.js';
import { isUnencryptedPayloadMarker } from '../../workflows/contract/unencrypted.js';

const key = (id: string, fill: number) => `${id}:${Buffer.alloc(32, fill).toString('base64')}`;
const secretInput = { sessionId: 's1', secrets: { githubToken: 'ghp_super-secret-token' } };

describe('payload codec', () => {
  test('an encoded payload does not contain the plain text and decodes back to it', async () => {
    const codec = new AesGcmPayloadCodec(parseCodecKeys(key('k1', 1)));
    const payload = defaultPayloadConverter.toPayload(secretInput);
    const [encoded] = await codec.encode([payload]);
    expect(Buffer.from(encoded!.data!).toString('latin1')).not.toContain('ghp_super-secret-token');
    expect(Buffer.from(encoded!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(secretInput);
  });

  test('a payload sealed by hand in the stored format (iv, ciphertext, tag; raw key bytes) decodes', async () => {
    // Histories already written must stay readable whatever the codec does internally with its keys.
    const raw = Buffer.alloc(32, 1);
    const iv = Buffer.alloc(12, 7);
    const original = defaultPayloadConverter.toPayload(secretInput);
    const plain = JSON.stringify({
      m: Object.fromEntries(Object.entries(original.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      d: Buffer.from(original.data!).toString('base64'),
    });
    const cipher = createCipheriv('aes-256-gcm', raw, iv);
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    const codec = new AesGcmPayloadCodec(parseCodecKeys(key('k1', 1)));
    const [decoded] = await codec.decode([
      { metadata: { encoding: Buffer.from('binary/encrypted'), 'encryption-key-id': Buffer.from('k1') }, data: sealed },
    ]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(secretInput);
  });

  test('a tampered payload is never decoded: it becomes the refusal marker', async () => {
    const codec = new AesGcmPayloadCodec(parseCodecKeys(key('k1', 1)));
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(secretInput)]);
    const data = encoded!.data!;
    data[20] = data[20]! ^ 0xff;
    const [decoded] = await codec.decode([encoded!]);
    const value = defaultPayloadConverter.fromPayload(decoded!);
    expect(isUnencryptedPayloadMarker(value) && value.reason).toMatch(/failed authentication/);
  });

  test('after a key rotation old payloads still decode while new ones use the new key', async () => {
    const old = new AesGcmPayloadCodec(parseCodecKeys(key('k1', 1)));
    const rotated = new AesGcmPayloadCodec(parseCodecKeys(`${key('k2', 2)},${key('k1', 1)}`));
    const [fromOld] = await old.encode([defaultPayloadConverter.toPayload(secretInput)]);
    const [decoded] = await rotated.decode([fromOld!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(secretInput);
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(secretInput)]);
    expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe('k2');
  });

  test('a payload encrypted with an unknown key id is refused with a clear reason', async () => {
    const [encoded] = await new AesGcmPayloadCodec(parseCodecKeys(key('gone', 3))).encode([
      defaultPayloadConverter.toPayload(secretInput),
    ]);
    const [decoded] = await new AesGcmPayloadCodec(parseCodecKeys(key('k1', 1))).decode([encoded!]);
    const value = defaultPayloadConverter.fromPayload(decoded!);
    expect(isUnencryptedPayloadMarker(value) && value.reason).toMatch(/unknown key id "gone"/);
  });

  test('an unencrypted payload never reaches the workflow: it decodes to the refusal marker', async () => {
    const codec = new AesGcmPayloadCodec(parseCodecKeys(key('k1', 1)));
    const plain = defaultPayloadConverter.toPayload(secretInput);
    const [decoded] = await codec.decode([plain]);
    const value = defaultPayloadConverter.fromPayload(decoded!);
    expect(isUnencryptedPayloadMarker(value)).toBe(true);
    expect(JSON.stringify(value)).not.toContain('ghp_super-secret-token');
  });

  test('keys of the wrong length are refused', () => {
    expect(() => parseCodecKeys(`k1:${Buffer.alloc(16).toString('base64')}`)).toThrow(/32 bytes/);
  });
});
