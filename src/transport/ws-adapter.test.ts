import type { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { textFrame } from './ws-adapter.js';

// ws's ESM entry exports its framing classes; @types/ws does not declare them.
const { Sender, Receiver } = ws as unknown as {
  Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] };
  Receiver: new (options: { isServer: boolean }) => Writable & EventEmitter;
};

/**
 * Fan-out frames are encoded here rather than by ws: they must be the bytes
 * ws itself would send, and what a ws client reads back as one text message,
 * at each of the three length encodings (7-bit, 16-bit, 64-bit).
 */
describe('textFrame', () => {
  const LENGTHS = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000];

  it.each(LENGTHS)('a %d-byte message is the frame ws would send, and reads back whole', async (length) => {
    // Two-byte characters, so the head's length in bytes is not its length in characters.
    const text = 'é'.repeat(Math.floor(length / 2)) + 'x'.repeat(length % 2);
    const message = Buffer.from(text);
    expect(message.length).toBe(length);
    const split = Math.floor(text.length / 3);
    const frame = textFrame(text.slice(0, split), Buffer.from(text.slice(split)));

    const expected = Sender.frame(message, {
      fin: true,
      opcode: 1,
      mask: false,
      readOnly: false,
      rsv1: false,
    });
    expect(frame.equals(Buffer.concat(expected))).toBe(true);

    // A client-side receiver (no masking expected from a server) decodes it as one text message.
    const receiver = new Receiver({ isServer: false });
    const received = new Promise<{ data: Buffer; isBinary: boolean }>((resolve, reject) => {
      receiver.on('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary }));
      receiver.on('error', reject);
    });
    receiver.write(frame);
    const { data, isBinary } = await received;
    expect(isBinary).toBe(false);
    expect(data.equals(message)).toBe(true);
  });
});
