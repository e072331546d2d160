import {
  BROADCAST_ID_PATTERN,
  broadcastKeys,
  callbackJobId,
  chunkJobId,
  chunkKey,
  getViberQueueNames,
  partitionOf,
  planJobId,
  retryChunkKey,
  setWebhookLockKey,
} from './queue-keys';

/** BullMQ refuses custom job ids that are integers or contain ':' (Job.validateOptions). */
function validBullJobId(id: string): boolean {
  return `${parseInt(id, 10)}` !== id && !id.includes(':');
}

describe('queue names, keys and job ids', () => {
  it("names a bot's queues without ':' (BullMQ refuses it in queue names)", () => {
    expect(getViberQueueNames('sales', 3)).toEqual({
      outgoing: 'viber-sales-out',
      webhook: ['viber-sales-webhook-0', 'viber-sales-webhook-1', 'viber-sales-webhook-2'],
    });
    expect(getViberQueueNames().webhook).toHaveLength(8);
  });

  it('derives chunk and plan job ids from the broadcast id and chunk, the same each time', () => {
    expect(chunkJobId('sale-1', chunkKey(3, 17))).toBe('b.sale-1.3-17');
    expect(chunkJobId('sale-1', chunkKey(3, 17))).toBe(chunkJobId('sale-1', '3-17'));
    expect(chunkJobId('sale-1', '3-17', 2)).toBe('b.sale-1.3-17g2');
    expect(planJobId('sale-1', 0)).toBe('p.sale-1.0');
    expect(planJobId('sale-1', 4, 1)).toBe('p.sale-1.4g1');
    for (const id of ['123', 'a.b-c_d', '0']) {
      expect(validBullJobId(chunkJobId(id, chunkKey(0, 0)))).toBe(true);
      expect(validBullJobId(planJobId(id, 0))).toBe(true);
    }
  });

  it('numbers per-receiver retries of a chunk', () => {
    expect(retryChunkKey('2-7')).toEqual({ key: '2-7r1', attempt: 1 });
    expect(retryChunkKey('2-7r1')).toEqual({ key: '2-7r2', attempt: 2 });
    expect(retryChunkKey('2-7r9')).toEqual({ key: '2-7r10', attempt: 10 });
  });

  it("a callback's job id is its event and token: valid for BullMQ, the same for Viber's re-sends", () => {
    const id = callbackJobId('message', '5491057495223473139');
    expect(id).toBe('message.5491057495223473139');
    expect(validBullJobId(id)).toBe(true);
  });

  it("every key of a broadcast carries the prefix's hash tag (one Cluster slot)", () => {
    const keys = broadcastKeys('{nestjs-viber}', 'default', 'sale-1');
    expect(keys).toHaveLength(7);
    expect(new Set(keys).size).toBe(7);
    for (const key of keys)
      expect(key.startsWith('{nestjs-viber}:viber-default:b:sale-1')).toBe(true);
    expect(setWebhookLockKey('{x}', 'default', 'abc')).toBe('{x}:viber-default:set-webhook:abc');
  });

  it('broadcast ids: letters, digits, _ - . up to 128', () => {
    expect(BROADCAST_ID_PATTERN.test('summer-sale_2025.06')).toBe(true);
    expect(BROADCAST_ID_PATTERN.test('a'.repeat(128))).toBe(true);
    expect(BROADCAST_ID_PATTERN.test('a'.repeat(129))).toBe(false);
    expect(BROADCAST_ID_PATTERN.test('a:b')).toBe(false);
    expect(BROADCAST_ID_PATTERN.test('')).toBe(false);
  });

  it('puts a user in the same partition every time, spreading users over all partitions', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) {
      const user = `user-${i}==`;
      const partition = partitionOf(user, 8);
      expect(partition).toBe(partitionOf(user, 8));
      counts[partition]!++;
    }
    for (const count of counts) expect(count).toBeGreaterThan(800);
    expect(partitionOf('anyone', 1)).toBe(0);
  });
});
