import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { UplinkError } from '../../electron/engine/errors.js';
import { type Amf0Value, decodeAmf0, encodeAmf0 } from '../../electron/engine/rtmp/amf0.js';
import {
  MessageType,
  decodeControlMessage,
  encodeAcknowledgement,
  encodeSetChunkSize,
  encodeSetPeerBandwidth,
  encodeUserControl,
  encodeWindowAckSize,
} from '../../electron/engine/rtmp/messages.js';
import { RtmpPublisher } from '../../electron/engine/rtmp/publisher.js';
import { ACK_WINDOW_BYTES, ANNOUNCED_CHUNK_SIZE, RtmpPublishSession } from '../../electron/engine/rtmp/session.js';
import { parseRtmpUrl } from '../../electron/engine/rtmp/url.js';
import { type CommandHandler, type ScriptedConnection, ScriptedRtmpServer } from '../helpers/scripted-server.js';
import { until } from '../helpers/wait.js';

let server: ScriptedRtmpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(onCommand?: CommandHandler, onHandshake?: (c: ScriptedConnection) => void): Promise<string> {
  server = new ScriptedRtmpServer(onCommand, onHandshake);
  const port = await server.listen();
  return `rtmp://127.0.0.1:${port}/live/session-test-key`;
}

async function failure(url: string, timeoutMs = 3000): Promise<UplinkError> {
  const error = await RtmpPublishSession.publish(parseRtmpUrl(url), { timeoutMs }).then(
    (session) => {
      session.destroy();
      throw new Error('publish succeeded');
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(UplinkError);
  return error as UplinkError;
}


describe('the publish conversation', () => {
  it('announces its chunk size before connect, sends the commands in order, and unpublishes', async () => {
    const url = await serve();
    const session = await RtmpPublishSession.publish(parseRtmpUrl(url));
    session.sendMedia(MessageType.Video, 0, Buffer.alloc(10_000, 1));
    // Larger than a chunk: several chunks in one gathered write, read back whole.
    const large = Buffer.from(Array.from({ length: 3 * ANNOUNCED_CHUNK_SIZE + 17 }, (_, i) => i % 251));
    session.sendMedia(MessageType.Video, 40, large);
    await session.close();
    const connection = server!.connections[0]!;
    await until(() => connection.commands.some((c) => c.name === 'deleteStream'));
    const first = connection.received[0]!;
    expect(decodeControlMessage(first.typeId, first.payload)).toEqual({ type: 'SetChunkSize', size: ANNOUNCED_CHUNK_SIZE });
    const media = connection.received.filter((m) => m.typeId === MessageType.Video);
    expect(media.map((m) => m.payload.length)).toEqual([10_000, large.length]);
    expect(media[1]!.payload.equals(large)).toBe(true);
    expect(connection.commands.map((c) => c.name)).toEqual(['connect', 'releaseStream', 'FCPublish', 'createStream', 'publish', 'FCUnpublish', 'deleteStream']);
    const connect = connection.commands[0]!;
    expect(connect.transactionId).toBe(1);
    const connectArgs = decodeAmf0(connection.received[1]!.payload)[2] as Record<string, Amf0Value>;
    expect(connectArgs).toMatchObject({ app: 'live', type: 'nonprivate', tcUrl: `rtmp://127.0.0.1:${url.split(':')[2]!.split('/')[0]}/live` });
    expect(connectArgs.flashVer).toMatch(/FMLE\/3\.0/);
    const publish = connection.commands.find((c) => c.name === 'publish')!;
    expect(publish.args).toEqual(['session-test-key', 'live']);
    expect(publish.streamId).toBe(1);
    const video = connection.received.find((m) => m.typeId === MessageType.Video)!;
    expect(video.payload.length).toBe(10_000);
    expect(video.streamId).toBe(1);
  });

  it('does not wait for answers to releaseStream and FCPublish (servers that send none)', async () => {
    const url = await serve((command) => (command.name === 'releaseStream' || command.name === 'FCPublish' ? 'handled' : 'default'));
    const session = await RtmpPublishSession.publish(parseRtmpUrl(url));
    expect(session.isLive).toBe(true);
    session.destroy();
  });

  it('answers pings, acknowledges at the window, and reads a server that uses tiny chunks', async () => {
    const url = await serve(undefined, (connection) => {
      connection.send({ chunkStreamId: 2, typeId: MessageType.SetChunkSize, streamId: 0, payload: encodeSetChunkSize(32) });
      connection.writer.chunkSize = 32;
      connection.send({ chunkStreamId: 2, typeId: MessageType.WindowAckSize, streamId: 0, payload: encodeWindowAckSize(1000) });
    });
    const session = await RtmpPublishSession.publish(parseRtmpUrl(url));
    const connection = server!.connections[0]!;
    connection.send({ chunkStreamId: 2, typeId: MessageType.UserControl, streamId: 0, payload: encodeUserControl({ type: 'PingRequest', timestamp: 123456 }) });
    // Enough bytes from the server to pass the 1000-byte window.
    for (let i = 0; i < 5; i++) connection.sendCommand(0, 'onBWDone', 0, null, 'x'.repeat(300));
    await until(() => connection.received.some((m) => m.typeId === MessageType.Acknowledgement));
    await until(() => connection.received.some((m) => m.typeId === MessageType.UserControl));
    const pong = connection.received.find((m) => m.typeId === MessageType.UserControl)!;
    expect(decodeControlMessage(pong.typeId, pong.payload)).toEqual({ type: 'UserControl', event: { type: 'PingResponse', timestamp: 123456 } });
    const ack = connection.received.find((m) => m.typeId === MessageType.Acknowledgement)!;
    const acked = decodeControlMessage(ack.typeId, ack.payload);
    expect(acked).toMatchObject({ type: 'Acknowledgement' });
    expect((acked as { sequenceNumber: number }).sequenceNumber).toBeGreaterThanOrEqual(1000);
    session.destroy();
  });

  it('carries timestamps past the 24-bit limit (extended timestamps) intact', async () => {
    const url = await serve();
    const publisher = new RtmpPublisher(parseRtmpUrl(url));
    await publisher.start();
    const stamps = [0xfffff0, 0xffffff, 0x1000000, 0x1000021, 0x7fffffff];
    for (const timestamp of stamps) publisher.send({ typeId: MessageType.Video, timestamp, payload: Buffer.alloc(9000, 2), keyframe: false });
    await publisher.finish();
    const videos = server!.connections[0]!.received.filter((m) => m.typeId === MessageType.Video);
    expect(videos.map((m) => m.timestamp)).toEqual(stamps);
  });

  it('sends onMetaData as @setDataFrame', async () => {
    const url = await serve();
    const publisher = new RtmpPublisher(parseRtmpUrl(url));
    await publisher.start();
    publisher.sendTag({ kind: 'script', typeId: 18, timestamp: 0, streamId: 0, offset: 13, data: encodeAmf0('onMetaData', { width: 1280 }) });
    await publisher.finish();
    const data = server!.connections[0]!.received.find((m) => m.typeId === MessageType.DataAMF0)!;
    expect(decodeAmf0(data.payload)).toEqual(['@setDataFrame', 'onMetaData', { width: 1280 }]);
  });
});

describe('refusals become one sentence', () => {
  it('NetStream.Publish.BadName: the key was refused', async () => {
    const url = await serve((command, connection) => {
      if (command.name !== 'publish') return 'default';
      connection.sendCommand(1, 'onStatus', 0, null, { level: 'error', code: 'NetStream.Publish.BadName', description: 'Invalid stream name' });
      return 'handled';
    });
    const error = await failure(url);
    expect(error.code).toBe('KEY_REFUSED');
    expect(error.message).toContain('the server refused the stream key');
    expect(error.message).toContain('Invalid stream name');
    expect(error.message).not.toContain('session-test-key');
  });

  it('"Already publishing" is a stream still held by the server, not a wrong key', async () => {
    const url = await serve((command, connection) => {
      if (command.name !== 'publish') return 'default';
      // nginx-rtmp's words while it holds a publisher for the key; node-media-server says "Stream already publishing".
      connection.sendCommand(1, 'onStatus', 0, null, { level: 'error', code: 'NetStream.Publish.BadName', description: 'Already publishing' });
      return 'handled';
    });
    const error = await failure(url);
    expect(error.code).toBe('STREAM_BUSY');
    expect(error.message).toContain('already publishing');
    expect(error.message).not.toContain('check the key');
  });

  it('an error status in the middle of a stream is reported as what it says, not as a refused key', async () => {
    const url = await serve();
    const publisher = new RtmpPublisher(parseRtmpUrl(url));
    await publisher.start();
    const failed = new Promise<UplinkError>((resolve) => publisher.once('error', resolve));
    server!.connections[0]!.sendCommand(1, 'onStatus', 0, null, { level: 'error', code: 'NetStream.Publish.Failed', description: 'Recorder disk full' });
    const error = await failed;
    expect(error.code).toBe('SERVER_ERROR');
    expect(error.message).toContain('NetStream.Publish.Failed: Recorder disk full');
    expect(error.message).not.toMatch(/key/);
  });

  it('a message larger than control traffic needs is a protocol error, read no further', async () => {
    const url = await serve(undefined, (connection) =>
      // 1 MiB announced in one command message: a server never sends a publisher anything this big.
      connection.send({ chunkStreamId: 3, typeId: MessageType.CommandAMF0, streamId: 0, payload: Buffer.alloc(1 << 20, 0x05) }),
    );
    const error = await failure(url);
    expect(error.code).toBe('PROTOCOL');
    expect(error.message).toMatch(/1048576 bytes .* exceeds the 65536-byte limit/);
  });

  it('an _error answer to publish: the key was refused', async () => {
    const url = await serve((command, connection) => {
      if (command.name !== 'publish') return 'default';
      connection.sendCommand(0, '_error', command.transactionId, null, { level: 'error', code: 'NetStream.Publish.Denied', description: 'invalid key' });
      return 'handled';
    });
    expect((await failure(url)).code).toBe('KEY_REFUSED');
  });

  it('the connection closed right after publish: the key was refused', async () => {
    const url = await serve((command, connection) => {
      if (command.name !== 'publish') return 'default';
      connection.socket.destroy();
      return 'handled';
    });
    const error = await failure(url);
    expect(error.code).toBe('KEY_REFUSED');
    expect(error.message).toContain('closed the connection');
  });

  it('connect rejected: names the application', async () => {
    const url = await serve((command, connection) => {
      if (command.name !== 'connect') return 'default';
      connection.sendCommand(0, '_error', command.transactionId, null, { level: 'error', code: 'NetConnection.Connect.Rejected', description: 'no such app' });
      return 'handled';
    });
    const error = await failure(url);
    expect(error.code).toBe('CONNECT_REJECTED');
    expect(error.message).toContain('application "live"');
  });

  it('a server that never answers publish times out', async () => {
    const url = await serve((command) => (command.name === 'publish' ? 'handled' : 'default'));
    const error = await failure(url, 300);
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('publish');
  });

  it('garbage after the handshake is a protocol error, not a crash or a hang', async () => {
    const url = await serve(undefined, (connection) => connection.sendRaw(Buffer.from([0x02, 0, 0, 0, 0xff, 0xff, 0xff, 0x01, 0, 0, 0, 0, 0, 0, 0, 0])));
    const error = await failure(url);
    expect(error.code).toBe('PROTOCOL');
  });

  it('a live connection that drops is reported to the publisher', async () => {
    const url = await serve();
    const publisher = new RtmpPublisher(parseRtmpUrl(url));
    await publisher.start();
    const failed = new Promise<UplinkError>((resolve) => publisher.once('error', resolve));
    server!.connections[0]!.socket.destroy();
    const error = await failed;
    expect(publisher.state).toBe('failed');
    expect(error.message).toMatch(/closed the connection|cut/);
  });
});

/** Resolves once the client answered a ping sent now: it has read everything the server sent before. */
async function roundTrip(connection: ScriptedConnection, id: number): Promise<void> {
  connection.send({ chunkStreamId: 2, typeId: MessageType.UserControl, streamId: 0, payload: encodeUserControl({ type: 'PingRequest', timestamp: id }) });
  await until(() =>
    connection.received.some((m) => {
      const control = m.typeId === MessageType.UserControl ? decodeControlMessage(m.typeId, m.payload) : undefined;
      return control?.type === 'UserControl' && control.event.type === 'PingResponse' && control.event.timestamp === id;
    }),
  );
}

describe('the publish gate', () => {
  it('connects and creates the stream at once, and publishes only once the gate opens', async () => {
    const url = await serve();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const publishing = RtmpPublishSession.publish(parseRtmpUrl(url), { publishGate: gate });
    await until(() => server!.connections.length > 0);
    const connection = server!.connections[0]!;
    await until(() => connection.commands.some((c) => c.name === 'createStream'));
    // Two ping round trips after the createStream answer: the client has read it and would have sent publish.
    await roundTrip(connection, 1);
    await roundTrip(connection, 2);
    expect(connection.commands.map((c) => c.name)).not.toContain('publish');
    open();
    const session = await publishing;
    expect(session.isLive).toBe(true);
    expect(connection.commands.map((c) => c.name)).toContain('publish');
    session.destroy();
  });

  it('closes without ever publishing when the gate is called off', async () => {
    const url = await serve();
    let callOff!: (error: Error) => void;
    const gate = new Promise<void>((_resolve, reject) => (callOff = reject));
    const publishing = RtmpPublishSession.publish(parseRtmpUrl(url), { publishGate: gate }).catch((err: unknown) => err);
    await until(() => server!.connections[0]?.commands.some((c) => c.name === 'createStream') === true);
    callOff(new Error('the encoder cannot work'));
    const error = (await publishing) as UplinkError;
    expect(error.code).toBe('PUBLISH_CANCELLED');
    const connection = server!.connections[0]!;
    await until(() => connection.socket.destroyed || connection.socket.readableEnded);
    expect(connection.commands.map((c) => c.name)).not.toContain('publish');
  });
});

describe('acknowledgements', () => {
  /** A video message of `bytes` bytes: an inter frame unless `keyframe`. */
  const frame = (timestamp: number, bytes: number, keyframe = false): Parameters<RtmpPublisher['send']>[0] => {
    const payload = Buffer.alloc(bytes, 1);
    payload[0] = keyframe ? 0x17 : 0x27;
    return { typeId: MessageType.Video, timestamp, payload, keyframe };
  };
  const windowsAnnounced = (connection: ScriptedConnection): number[] =>
    connection.received.filter((m) => m.typeId === MessageType.WindowAckSize).map((m) => m.payload.readUInt32BE(0));
  const bytesReceived = (connection: ScriptedConnection): number => connection.received.reduce((sum, m) => sum + m.payload.length, 0);

  it('a late SetPeerBandwidth does not replace the window we asked for (spec 5.4.5)', async () => {
    const url = await serve();
    const session = await RtmpPublishSession.publish(parseRtmpUrl(url));
    const connection = server!.connections[0]!;
    connection.send({ chunkStreamId: 2, typeId: MessageType.WindowAckSize, streamId: 0, payload: encodeWindowAckSize(2_500_000) });
    connection.send({ chunkStreamId: 2, typeId: MessageType.SetPeerBandwidth, streamId: 0, payload: encodeSetPeerBandwidth(5_000_000, 2) });
    // Answered, as the spec asks when it differs from the window we sent last: with our own window.
    await until(() => windowsAnnounced(connection).length === 2);
    connection.send({ chunkStreamId: 2, typeId: MessageType.SetPeerBandwidth, streamId: 0, payload: encodeSetPeerBandwidth(ACK_WINDOW_BYTES, 2) });
    session.sendMedia(MessageType.Video, 0, Buffer.alloc(100, 1));
    await until(() => connection.received.some((m) => m.typeId === MessageType.Video));
    expect(windowsAnnounced(connection)).toEqual([ACK_WINDOW_BYTES, ACK_WINDOW_BYTES]);
    session.destroy();
  });

  it('from a server that acknowledges every few megabytes, queue depth counts only what we hold', async () => {
    const url = await serve();
    const publisher = new RtmpPublisher(parseRtmpUrl(url));
    await publisher.start();
    const connection = server!.connections[0]!;
    // 100 frames of 50 KB, 33 ms apart: 5 MB and 3.3 s of media, all read by the server at once.
    for (let i = 0; i < 100; i++) publisher.send(frame(i * 33, 50_000, i === 0));
    await until(() => bytesReceived(connection) >= 5_000_000);
    // The server's only acknowledgement, after 4 MB: 64 times the 64 KB window we asked for.
    connection.send({ chunkStreamId: 2, typeId: MessageType.Acknowledgement, streamId: 0, payload: encodeAcknowledgement(4_000_000) });
    await until(() => publisher.ignoresAcknowledgements);
    expect(publisher.queueDepth()).toMatchObject({ ms: 0, bytes: 0 });
    publisher.abort();
  });

  it('a gap in timestamps (an encoder restart) is not queued media: no congestion after it', async () => {
    // The server acknowledges its first 64 KB window, then nothing more: what came after stays unconfirmed.
    const url = await serve();
    const publisher = new RtmpPublisher(parseRtmpUrl(url));
    await publisher.start();
    const connection = server!.connections[0]!;
    for (let i = 0; i < 14; i++) publisher.send(frame(i * 33, 5_000, i === 0));
    await until(() => bytesReceived(connection) >= ACK_WINDOW_BYTES);
    const acknowledged = new Promise((resolve) => publisher.once('acknowledgement', resolve));
    connection.send({ chunkStreamId: 2, typeId: MessageType.Acknowledgement, streamId: 0, payload: encodeAcknowledgement(ACK_WINDOW_BYTES) });
    await acknowledged;
    for (let i = 14; i < 30; i++) publisher.send(frame(i * 33, 5_000));
    await until(() => bytesReceived(connection) >= 150_000);
    const beforeGap = publisher.queueDepth().ms;
    expect(beforeGap).toBeGreaterThan(0);
    // The encoder restarted: timestamps jump by the 1.5 s it took, and the new encoder starts at a keyframe.
    const resumedAt = 29 * 33 + 1500;
    publisher.send(frame(resumedAt, 5_000, true));
    publisher.send(frame(resumedAt + 33, 5_000));
    // Unconfirmed media from before the gap is as late as it was, plus what came after: far below the 700 ms
    // at which a destination drops frames for congestion (it read 1.5 s more before).
    expect(publisher.queueDepth().ms).toBeLessThanOrEqual(beforeGap + 33);
    expect(publisher.queueDepth().ms).toBeLessThan(700);
    publisher.abort();
  });

  it('a burst of media (an encoder catching up after a late source) is not congestion until it has waited', async () => {
    const url = await serve();
    const publisher = new RtmpPublisher(parseRtmpUrl(url));
    await publisher.start();
    const connection = server!.connections[0]!;
    for (let i = 0; i < 14; i++) publisher.send(frame(i * 33, 5_000, i === 0));
    await until(() => bytesReceived(connection) >= 70_000);
    // The server confirms all of it (with room for the handshake and chunk headers), then nothing more.
    const acknowledged = new Promise((resolve) => publisher.once('acknowledgement', resolve));
    connection.send({ chunkStreamId: 2, typeId: MessageType.Acknowledgement, streamId: 0, payload: encodeAcknowledgement(bytesReceived(connection) + 10_000) });
    await acknowledged;
    // Two seconds of media handed over at once, 1.2 MB, none of it confirmed yet.
    for (let i = 14; i < 74; i++) publisher.send(frame(i * 33, 20_000));
    const depth = publisher.queueDepth();
    expect(depth.bytes).toBeGreaterThan(1_000_000);
    // It has not waited: far below the 700 ms at which a destination drops frames for congestion.
    expect(depth.ms).toBeLessThan(200);
    publisher.abort();
  });
});

describe('fuzzing what the server sends during the publish conversation', () => {
  it('random and mutated answers end in a typed error or success, never a crash or a hang', async () => {
    const valid: Amf0Value[] = ['_result', 1, { fmsVer: 'FMS/3' }, { level: 'status', code: 'NetConnection.Connect.Success' }];
    const validBytes = encodeAmf0(...valid);
    const answers = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
      fc.tuple(fc.nat(validBytes.length - 1), fc.nat(255)).map(([at, value]) => {
        const copy = Buffer.from(validBytes);
        copy[at] = value;
        return copy;
      }),
      fc.nat(validBytes.length).map((cut) => validBytes.subarray(0, cut)),
    );
    const seen: string[] = [];
    let answer: Buffer = Buffer.alloc(0);
    const url = await serve((command, connection) => {
      if (command.name !== 'connect') return 'default';
      connection.send({ chunkStreamId: 3, typeId: MessageType.CommandAMF0, streamId: 0, payload: answer });
      return 'handled';
    });
    await fc.assert(
      fc.asyncProperty(answers, async (bytes) => {
        answer = bytes;
        const outcome = await RtmpPublishSession.publish(parseRtmpUrl(url), { timeoutMs: 200 }).then(
          (session) => {
            session.destroy();
            return 'live';
          },
          (err: unknown) => {
            if (!(err instanceof UplinkError)) throw err;
            return err.code;
          },
        );
        seen.push(outcome);
      }),
      { seed: 0xc0ffee, numRuns: 60 },
    );
    expect(seen.length).toBe(60);
    expect(seen.every((code) => ['live', 'PROTOCOL', 'TIMEOUT', 'CONNECT_REJECTED'].includes(code))).toBe(true);
  });
});

