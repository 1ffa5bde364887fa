/**
 * The session's secrets enter its workflow history once: in the encrypted start input, not again in the
 * provisioning activity's input, nor in a continued run's input. Checked on the committed histories recorded
 * from each path (test/fixtures/histories), decrypting every payload with the fixtures' test key.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { Payload } from '@temporalio/common';
import { createDataConverter } from '../../src/temporal/codec.js';
import { REPLAY_CODEC_KEYS, historiesDir, historyFromFixture } from '../fixtures/replay-codec.js';

/** The fake token of the specs the fixtures were recorded with (test/support/session-spec.ts). */
const TOKEN = 'ghp_test-token-not-real';
const codec = createDataConverter({ codecKeys: REPLAY_CODEC_KEYS, codecKeysFile: undefined }).payloadCodecs![0]!;

function payloadsOf(value: unknown, found: Payload[] = []): Payload[] {
  if (value === null || typeof value !== 'object') return found;
  const candidate = value as { data?: unknown; metadata?: unknown };
  if (candidate.data instanceof Uint8Array && candidate.metadata && typeof candidate.metadata === 'object') {
    found.push(candidate as Payload);
    return found;
  }
  for (const child of Object.values(value)) payloadsOf(child, found);
  return found;
}

/** How many payloads of the history hold the token, once decrypted. */
async function tokenCopies(file: string): Promise<number> {
  const history = historyFromFixture(readFileSync(`${historiesDir}/${file}`, 'utf8'));
  const payloads = payloadsOf(history);
  const decoded = await codec.decode(payloads);
  return decoded.filter((p) =>
    Buffer.from(p.data ?? new Uint8Array())
      .toString('utf8')
      .includes(TOKEN),
  ).length;
}

const histories = readdirSync(historiesDir).filter((f) => f.endsWith('.json'));

test('every recorded history holds the token exactly once, in the encrypted start input', async () => {
  expect(histories.length).toBeGreaterThan(0);
  for (const file of histories) expect({ file, copies: await tokenCopies(file) }).toEqual({ file, copies: 1 });
});

test('no payload of any recorded history holds the token unencrypted', () => {
  for (const file of histories) {
    const history = historyFromFixture(readFileSync(`${historiesDir}/${file}`, 'utf8'));
    const plain = payloadsOf(history).filter((p) =>
      Buffer.from(p.data ?? new Uint8Array())
        .toString('utf8')
        .includes(TOKEN),
    );
    expect({ file, plain: plain.length }).toEqual({ file, plain: 0 });
  }
});
