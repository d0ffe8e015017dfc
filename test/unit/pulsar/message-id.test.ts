/**
 * Message id codec: vectors captured from a Pulsar 4.0.7 broker, property tests for the round
 * trip and the ordering, and a fuzz that only `PulsarError` ever escapes the parser.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareMessageIds,
  formatMessageId,
  isPulsarError,
  messageIdKey,
  parseMessageId,
  type MessageId,
  type MessageIdFields,
} from '../../../src/pulsar/index.js';

const FC = {
  numRuns: 2_000,
  interruptAfterTimeLimit: process.env.CI ? 60_000 : 10_000,
};

const b64 = (bytes: number[]): string => Buffer.from(bytes).toString('base64');

describe('broker vectors', () => {
  it.each<[string, string, Partial<MessageId>]>([
    [
      'producer receipt',
      'CAMQADAA',
      { ledger: 3n, entry: 0n, partition: -1, batchIndex: -1, batchSize: 0 },
    ],
    ['later entry', 'CAQQBDAA', { ledger: 4n, entry: 4n, partition: -1, batchIndex: -1 }],
    ['partition 2', 'CAgQABgCMAA=', { ledger: 8n, entry: 0n, partition: 2, batchIndex: -1 }],
    ['batched receipt', 'CAkQACABMAA=', { ledger: 9n, entry: 0n, batchIndex: 1, batchSize: 0 }],
    ['batched delivery', 'CAkQACABMAQ=', { ledger: 9n, entry: 0n, batchIndex: 1, batchSize: 4 }],
  ])('%s %s', (_, raw, fields) => {
    const id = parseMessageId(raw);
    expect(id).toMatchObject({ ...fields, raw });
    expect(formatMessageId(id)).toBe(raw);
  });

  it('the receipt and the delivery of one batched message share a key, not a raw form', () => {
    const receipt = parseMessageId('CAkQACABMAA=');
    const delivery = parseMessageId('CAkQACABMAQ=');
    expect(receipt.raw).not.toBe(delivery.raw);
    expect(messageIdKey(receipt)).toBe(messageIdKey(delivery));
    expect(messageIdKey(receipt)).toBe('9:0:-1:1');
    expect(compareMessageIds(receipt, delivery)).toBe(0);
  });
});

describe('wire details', () => {
  it('skips ack_set (packed and unpacked) and first_chunk_message_id', () => {
    const bytes = [
      0x08,
      0x96,
      0x01, // ledger 150
      0x10,
      0x07, // entry 7
      0x28,
      0x01,
      0x28,
      0x02, // ack_set unpacked
      0x2a,
      0x02,
      0x03,
      0x04, // ack_set packed
      0x3a,
      0x04,
      0x08,
      0x01,
      0x10,
      0x02, // first_chunk_message_id {1, 2}
      0x18,
      0x05, // partition 5
    ];
    expect(parseMessageId(b64(bytes))).toMatchObject({ ledger: 150n, entry: 7n, partition: 5 });
  });

  it('encodes negative int32 values as ten-byte varints, like protobuf', () => {
    const raw = formatMessageId({ ledger: 1n, entry: 2n, partition: -5, batchIndex: -1 });
    expect(Buffer.from(raw, 'base64').length).toBe(4 + 11);
    expect(parseMessageId(raw).partition).toBe(-5);
  });

  it('reads uint64 ledger and entry beyond 2^53 exactly', () => {
    const max = (1n << 64n) - 1n;
    const id = parseMessageId(
      formatMessageId({ ledger: max, entry: 1n << 60n, partition: -1, batchIndex: -1 }),
    );
    expect(id.ledger).toBe(max);
    expect(id.entry).toBe(1n << 60n);
  });

  it.each([
    ['empty', ''],
    ['not base64', 'zz!z'],
    ['truncated varint', b64([0x08, 0x96])],
    ['missing entry', b64([0x08, 0x01])],
    ['field 0', b64([0x00, 0x01])],
    ['group wire type', b64([0x08, 0x01, 0x10, 0x01, 0x1b])],
    ['length past end', b64([0x08, 0x01, 0x10, 0x01, 0x2a, 0x09, 0x01])],
    ['varint over 10 bytes', b64([0x08, ...Array(11).fill(0xff), 0x01, 0x10, 0x01])],
  ])('rejects %s', (_, raw) => {
    let err: unknown;
    try {
      parseMessageId(raw);
    } catch (e) {
      err = e;
    }
    expect(isPulsarError(err) && err.code).toBe('PULSAR_INVALID_MESSAGE_ID');
  });

  it('refuses to encode out-of-range fields', () => {
    expect(() =>
      formatMessageId({ ledger: -1n, entry: 0n, partition: -1, batchIndex: -1 }),
    ).toThrow(/uint64/);
    expect(() =>
      formatMessageId({ ledger: 0n, entry: 1n << 64n, partition: -1, batchIndex: -1 }),
    ).toThrow(/uint64/);
    expect(() =>
      formatMessageId({ ledger: 0n, entry: 0n, partition: 2 ** 31, batchIndex: -1 }),
    ).toThrow(/int32/);
    expect(() =>
      formatMessageId({ ledger: 0n, entry: 0n, partition: -1, batchIndex: 1.5 }),
    ).toThrow(/int32/);
  });
});

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const small = fc.bigInt({ min: 0n, max: 3n });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const index = fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 2 ** 31 - 1 }));

const fieldsArb = (
  ledger: fc.Arbitrary<bigint>,
  position: fc.Arbitrary<number>,
): fc.Arbitrary<MessageIdFields> =>
  fc.record(
    {
      ledger,
      entry: ledger,
      partition: position,
      batchIndex: position,
      batchSize: fc.integer({ min: 0, max: 1_000 }),
    },
    { requiredKeys: ['ledger', 'entry', 'partition', 'batchIndex'] },
  );

describe('properties', () => {
  it('parse(format(x)) gives back the fields; format(parse(raw)) gives back raw', () => {
    fc.assert(
      fc.property(fieldsArb(u64, fc.oneof(index, int32)), (fields) => {
        const raw = formatMessageId(fields);
        const id = parseMessageId(raw);
        expect(id).toEqual({ ...fields, raw });
        expect(formatMessageId(id)).toBe(raw);
      }),
      FC,
    );
  });

  it('compareMessageIds is the lexicographic order of (ledger, entry, batchIndex, partition)', () => {
    const tuple = (x: MessageIdFields): [bigint, bigint, number, number] => [
      x.ledger,
      x.entry,
      x.batchIndex,
      x.partition,
    ];
    const lex = (a: MessageIdFields, b: MessageIdFields): number => {
      const [ta, tb] = [tuple(a), tuple(b)];
      for (let i = 0; i < 4; i++) if (ta[i]! !== tb[i]!) return ta[i]! < tb[i]! ? -1 : 1;
      return 0;
    };
    // small ranges so that ties on leading fields are common
    const arb = fieldsArb(small, fc.integer({ min: -1, max: 2 }));
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const [ia, ib] = [parseMessageId(formatMessageId(a)), parseMessageId(formatMessageId(b))];
        expect(compareMessageIds(ia, ib)).toBe(lex(a, b));
        expect(compareMessageIds(ib, ia)).toBe(-lex(a, b) || 0);
        expect(compareMessageIds(ia, ib) === 0).toBe(messageIdKey(ia) === messageIdKey(ib));
      }),
      FC,
    );
  });

  it('sorting by compareMessageIds is a total order (transitive and stable under shuffles)', () => {
    const arb = fc.array(fieldsArb(small, fc.integer({ min: -1, max: 2 })), {
      minLength: 2,
      maxLength: 30,
    });
    fc.assert(
      fc.property(arb, (list) => {
        const ids = list.map((f) => parseMessageId(formatMessageId(f)));
        const sorted = [...ids].sort(compareMessageIds);
        const again = [...ids].reverse().sort(compareMessageIds);
        expect(sorted.map(messageIdKey)).toEqual(again.map(messageIdKey));
        for (let i = 1; i < sorted.length; i++) {
          expect(compareMessageIds(sorted[i - 1]!, sorted[i]!)).toBeLessThanOrEqual(0);
        }
      }),
      { ...FC, numRuns: 500 },
    );
  });

  it('arbitrary bytes either parse or throw a PulsarError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (bytes) => {
        try {
          const id = parseMessageId(Buffer.from(bytes).toString('base64'));
          expect(typeof id.ledger).toBe('bigint');
        } catch (err) {
          expect(isPulsarError(err)).toBe(true);
        }
      }),
      FC,
    );
  });
});
