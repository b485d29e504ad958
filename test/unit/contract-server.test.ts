import { describe, expect, it } from 'vitest';
import { decodePreview, type ServerMessage } from '../../electron/contract-wire.js';
import { ContractSession } from '../../electron/engine/contract-server.js';
import { Studio } from '../../electron/engine/studio.js';

function session(backlog = 0): { studio: Studio; sent: ServerMessage[]; binary: Uint8Array[]; s: ContractSession; next(): Promise<ServerMessage> } {
  const studio = new Studio();
  const sent: ServerMessage[] = [];
  const binary: Uint8Array[] = [];
  const waiting: Array<(m: ServerMessage) => void> = [];
  let read = 0;
  const s = new ContractSession(studio, {
    sendText: (text) => {
      const message = JSON.parse(text) as ServerMessage;
      sent.push(message);
      if (waiting.length > 0) {
        read++;
        waiting.shift()!(message);
      }
    },
    sendBinary: (data) => binary.push(data),
    backlog: () => backlog,
  });
  return { studio, sent, binary, s, next: () => (read < sent.length ? Promise.resolve(sent[read++]!) : new Promise((resolve) => waiting.push(resolve))) };
}

describe('a front session over a message channel', () => {
  it('answers a call with its result, and a bad input with the code and field', async () => {
    const { s, next } = session();
    s.receive(JSON.stringify({ type: 'call', id: 1, command: 'getState', args: [] }));
    expect(await next()).toMatchObject({ type: 'result', id: 1, ok: true, value: { phase: 'idle', scenes: null } });
    s.receive(JSON.stringify({ type: 'call', id: 2, command: 'setEncoding', args: [{ fps: 0 }] }));
    expect(await next()).toMatchObject({ id: 2, ok: false, error: { code: 'INVALID_INPUT', field: 'fps' } });
    s.close();
  });

  it('answers garbage, unknown commands and extra fields without throwing', async () => {
    const { s, next } = session();
    s.receive('{not json');
    expect(await next()).toMatchObject({ id: -1, ok: false, error: { code: 'BAD_MESSAGE' } });
    s.receive(JSON.stringify({ type: 'call', id: 3, command: 'constructor', args: [] }));
    expect(await next()).toMatchObject({ id: 3, ok: false, error: { code: 'BAD_MESSAGE' } });
    s.receive(JSON.stringify({ type: 'call', id: 4, command: 'getState', args: [], extra: 1 }));
    expect(await next()).toMatchObject({ id: 4, ok: false });
    s.close();
  });

  it('sends events as JSON and preview pictures as binary, skipping pictures for a front that reads slowly', () => {
    const fast = session(0);
    fast.studio.emit('onPreview', { seq: 7, jpeg: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]) });
    expect(decodePreview(fast.binary[0]!)).toEqual({ seq: 7, jpeg: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]) });
    fast.studio.emit('onLevels', { levels: [{ sourceId: 'mic', peakDb: -Infinity, rmsDb: -Infinity }] });
    expect(fast.sent.at(-1)).toEqual({ type: 'event', event: 'onLevels', payload: { levels: [{ sourceId: 'mic', peakDb: -100, rmsDb: -100 }] } });

    const slow = session(10 * 1024 * 1024);
    slow.studio.emit('onPreview', { seq: 1, jpeg: new Uint8Array([1]) });
    expect(slow.binary).toHaveLength(0);
    expect(slow.s.previewSkipped).toBe(1);
    fast.s.close();
    slow.s.close();
    fast.studio.emit('onPreview', { seq: 8, jpeg: new Uint8Array([1]) });
    expect(fast.binary).toHaveLength(1);
  });
});
