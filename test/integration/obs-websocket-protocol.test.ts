/**
 * The obs-websocket server against real clients: obs-websocket-js 5.0.8 (MessagePack under Node, and its
 * JSON build) and raw `ws` sockets for what a well-behaved client never sends. The front is a stand-in
 * here (test/helpers/obs-stub-front.ts): this file tests the protocol, not what requests mean.
 */
import { encode } from '@msgpack/msgpack';
import { OBSWebSocket, type OBSWebSocketError } from 'obs-websocket-js';
import { OBSWebSocket as OBSWebSocketJson } from 'obs-websocket-js/json';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode, EventSubscription } from '../../electron/remote/obs/protocol.js';
import { ObsWebSocketServer, type ObsWebSocketServerOptions } from '../../electron/remote/obs/server.js';
import { StubFront } from '../helpers/obs-stub-front.js';
import { until } from '../helpers/wait.js';

const servers: ObsWebSocketServer[] = [];
const clients: Array<{ disconnect(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.disconnect().catch(() => undefined)));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function serve(options: Partial<ObsWebSocketServerOptions> = {}): Promise<{ server: ObsWebSocketServer; front: StubFront; url: string }> {
  const front = new StubFront();
  const server = new ObsWebSocketServer({ front, port: 0, ...options });
  servers.push(server);
  const { port } = await server.start();
  return { server, front, url: `ws://127.0.0.1:${port}` };
}

function msgpackClient(): OBSWebSocket {
  const client = new OBSWebSocket();
  clients.push(client);
  return client;
}

function jsonClient(): OBSWebSocketJson {
  const client = new OBSWebSocketJson();
  clients.push(client);
  return client;
}

/** A raw socket, for messages no library sends: what came, and how it closed. */
class RawClient {
  readonly messages: unknown[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(
    readonly ws: WebSocket,
    private readonly binary: boolean,
  ) {
    ws.on('message', (data: Buffer, isBinary) => this.messages.push(isBinary ? data : JSON.parse(data.toString('utf8'))));
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
    ws.on('error', () => undefined);
  }

  static open(url: string, protocol?: string, options: WebSocket.ClientOptions = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocol === undefined ? [] : [protocol], options);
      const client = new RawClient(ws, protocol === 'obswebsocket.msgpack');
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`refused: ${res.statusCode}`));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(this.binary ? encode(message) : JSON.stringify(message));
  }

  async identify(eventSubscriptions?: number): Promise<void> {
    await until(() => this.messages.length >= 1);
    this.send({ op: 1, d: { rpcVersion: 1, ...(eventSubscriptions === undefined ? {} : { eventSubscriptions }) } });
    await until(() => this.messages.length >= 2);
  }
}

async function closeOf(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  const err = (await promise.then(
    () => {
      throw new Error('expected the connection to close');
    },
    (e: unknown) => e,
  )) as OBSWebSocketError;
  return { code: err.code, message: err.message };
}

describe('obs-websocket server', () => {
  it('lets obs-websocket-js in with MessagePack and JSON, without a password, and answers requests', async () => {
    const { url, server } = await serve();
    const packed = msgpackClient();
    const hello = await packed.connect(url);
    expect(hello).toMatchObject({ rpcVersion: 1, negotiatedRpcVersion: 1, obsWebSocketVersion: expect.stringMatching(/^5\./) });
    expect(await packed.call('GetVersion')).toMatchObject({ obsVersion: '30.0.0' });

    const json = jsonClient();
    await json.connect(url);
    expect(await json.call('GetVersion')).toMatchObject({ rpcVersion: 1 });
    expect(server.clientCount).toBe(2);
  });

  it('answers JSON in text frames to a client that offers no subprotocol', async () => {
    const { url } = await serve();
    const raw = await RawClient.open(url);
    expect(raw.ws.protocol).toBe('');
    await raw.identify();
    expect(raw.messages[0]).toMatchObject({ op: 0, d: { rpcVersion: 1 } });
    expect(raw.messages[1]).toEqual({ op: 2, d: { negotiatedRpcVersion: 1 } });
  });

  it('takes the right password over both encodings and closes a wrong one with 4009 after a second', async () => {
    const { url } = await serve({ password: 'correct horse' });
    await msgpackClient().connect(url, 'correct horse');
    await jsonClient().connect(url, 'correct horse');

    const started = performance.now();
    const wrong = await closeOf(msgpackClient().connect(url, 'battery staple'));
    expect(wrong).toEqual({ code: CloseCode.AuthenticationFailed, message: 'authentication failed: wrong password' });
    // The answer is held back: guessing costs a second a try.
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);

    expect(await closeOf(jsonClient().connect(url))).toEqual({ code: CloseCode.AuthenticationFailed, message: 'authentication required: this server has a password' });
  });

  it('answers one address\'s failed logins one after another, so parallel guesses gain nothing', async () => {
    const { url } = await serve({ password: 'pw', authFailureDelayMs: 200 });
    const started = performance.now();
    const closes = await Promise.all([1, 2, 3, 4].map(() => closeOf(jsonClient().connect(url, 'guess'))));
    expect(closes.map((c) => c.code)).toEqual([4009, 4009, 4009, 4009]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 200 - 40);
    // Whoever knows the password still gets in.
    await jsonClient().connect(url, 'pw');
  });

  it('refuses more connections that have not identified than an address may hold', async () => {
    const { url } = await serve({ maxPendingPerAddress: 2 });
    const first = await RawClient.open(url, 'obswebsocket.json');
    await RawClient.open(url, 'obswebsocket.json');
    await expect(RawClient.open(url, 'obswebsocket.json')).rejects.toThrow('refused: 429');
    await first.identify();
    await RawClient.open(url, 'obswebsocket.json');
  });

  it('closes a client that never identifies', async () => {
    const { url } = await serve({ identifyTimeoutMs: 100 });
    const idle = await RawClient.open(url, 'obswebsocket.json');
    expect(await idle.closed).toEqual({ code: CloseCode.NotIdentified, reason: 'no Identify in time' });
  });

  it('answers an unknown request with 204 and keeps the connection', async () => {
    const { url } = await serve();
    const client = msgpackClient();
    await client.connect(url);
    await expect(client.call('NoSuchRequest' as 'GetVersion')).rejects.toMatchObject({ code: 204 });
    expect(await client.call('GetVersion')).toMatchObject({ rpcVersion: 1 });
    expect(client.identified).toBe(true);
  });

  it('runs a serial batch with Sleep, halting at the first failure when asked', async () => {
    const { url, front } = await serve();
    const client = msgpackClient();
    await client.connect(url);
    const requests = [
      { requestType: 'GetVersion' },
      { requestType: 'Sleep', requestData: { sleepMillis: 100 } },
      { requestType: 'Fail' },
      { requestType: 'GetVersion' },
    ] as Parameters<typeof client.callBatch>[0];
    const halted = await client.callBatch(requests, { haltOnFailure: true });
    expect(halted.map((r) => [r.requestType, r.requestStatus.code])).toEqual([
      ['GetVersion', 100],
      ['Sleep', 100],
      ['Fail', 600],
    ]);
    // Timers count from the event loop's cached clock, which may lag a few ms behind: the sleep is there, give or take.
    expect(front.calls[1]!.at - front.calls[0]!.at).toBeGreaterThanOrEqual(80);
    const whole = await client.callBatch(requests);
    expect(whole.map((r) => r.requestStatus.code)).toEqual([100, 100, 600, 100]);
    await expect(client.call('Sleep', { sleepMillis: 10 })).rejects.toMatchObject({ code: 206 });
  });

  it('sends each client the events its subscription asks for, and Reidentify changes it', async () => {
    const { url, front } = await serve();
    const all = msgpackClient();
    await all.connect(url);
    const metersOnly = jsonClient();
    await metersOnly.connect(url, undefined, { eventSubscriptions: EventSubscription.InputVolumeMeters });
    const seen = { all: [] as string[], metersOnly: [] as string[] };
    for (const [name, client] of [['all', all], ['metersOnly', metersOnly]] as const) {
      client.on('InputVolumeMeters', () => seen[name].push('meters'));
      client.on('CurrentProgramSceneChanged', () => seen[name].push('scene'));
      client.on('ExitStarted', () => seen[name].push('exit'));
    }
    const meters = (): void => front.emit({ eventType: 'InputVolumeMeters', eventIntent: EventSubscription.InputVolumeMeters, eventData: { inputs: [] } });
    const scene = (): void => front.emit({ eventType: 'CurrentProgramSceneChanged', eventIntent: EventSubscription.Scenes, eventData: { sceneName: 'B' } });
    meters();
    scene();
    meters();
    // Events arrive in order: once the last one is there, nothing else is on its way.
    await until(() => seen.metersOnly.length === 2 && seen.all.length === 1);
    expect(seen).toEqual({ all: ['scene'], metersOnly: ['meters', 'meters'] });

    await metersOnly.reidentify({ eventSubscriptions: EventSubscription.Scenes });
    scene();
    meters();
    scene();
    await until(() => seen.metersOnly.length === 4 && seen.all.length === 3);
    expect(seen.metersOnly).toEqual(['meters', 'meters', 'scene', 'scene']);
  });

  it('sends InputVolumeMeters to ten clients that ask, each getting every one', async () => {
    const { url, front } = await serve();
    const counts = new Array<number>(10).fill(0);
    await Promise.all(
      counts.map(async (_, i) => {
        const client = i % 2 === 0 ? msgpackClient() : jsonClient();
        await client.connect(url, undefined, { eventSubscriptions: EventSubscription.All | EventSubscription.InputVolumeMeters });
        client.on('InputVolumeMeters', () => counts[i]!++);
      }),
    );
    for (let n = 0; n < 50; n++) front.emit({ eventType: 'InputVolumeMeters', eventIntent: EventSubscription.InputVolumeMeters, eventData: { inputs: [{ inputName: 'Mic', inputLevelsMul: [[0.5, 0.4, 0.4]] }] } });
    await until(() => counts.every((c) => c === 50));
  });

  describe('a bad message closes its client with the protocol code and a reason; the server stays up', () => {
    const cases: Array<[string, string | undefined, (raw: RawClient) => void, number, RegExp]> = [
      ['malformed JSON', 'obswebsocket.json', (raw) => raw.ws.send('{"op": 1, "d": {'), CloseCode.MessageDecodeError, /not valid JSON/],
      ['wrong MessagePack', 'obswebsocket.msgpack', (raw) => raw.ws.send(Buffer.from([0x82, 0xa2, 0x6f, 0x70, 0xc1])), CloseCode.MessageDecodeError, /not valid MessagePack/],
      ['text on msgpack', 'obswebsocket.msgpack', (raw) => raw.ws.send('{}'), CloseCode.MessageDecodeError, /text frame/],
      ['binary on json', 'obswebsocket.json', (raw) => raw.ws.send(Buffer.from('{}')), CloseCode.MessageDecodeError, /binary frame/],
      ['no op', 'obswebsocket.json', (raw) => raw.send({ d: {} }), CloseCode.UnknownOpCode, /missing `op`/],
      ['unknown op', 'obswebsocket.msgpack', (raw) => raw.send({ op: 42, d: {} }), CloseCode.UnknownOpCode, /unknown op 42/],
      ['a request before Identify', 'obswebsocket.json', (raw) => raw.send({ op: 6, d: { requestType: 'GetVersion', requestId: '1' } }), CloseCode.NotIdentified, /Identify first/],
      ['Identify without rpcVersion', 'obswebsocket.json', (raw) => raw.send({ op: 1, d: {} }), CloseCode.MissingDataField, /missing `rpcVersion`/],
      ['rpcVersion 2', 'obswebsocket.json', (raw) => raw.send({ op: 1, d: { rpcVersion: 2 } }), CloseCode.UnsupportedRpcVersion, /rpcVersion 2/],
      ['an oversized message', 'obswebsocket.json', (raw) => raw.ws.send('x'.repeat(70_000)), 1009, /message too big: at most 65536 bytes/],
    ];
    for (const [name, protocol, send, code, reason] of cases) {
      it(name, async () => {
        const { url } = await serve({ maxPayload: 64 * 1024 });
        const raw = await RawClient.open(url, protocol);
        send(raw);
        const closed = await raw.closed;
        expect(closed.code).toBe(code);
        expect(closed.reason).toMatch(reason);
        const next = jsonClient();
        await next.connect(url);
        expect(await next.call('GetVersion')).toMatchObject({ rpcVersion: 1 });
      });
    }

    it('Identify twice', async () => {
      const { url } = await serve();
      const raw = await RawClient.open(url, 'obswebsocket.json');
      await raw.identify();
      raw.send({ op: 1, d: { rpcVersion: 1 } });
      expect(await raw.closed).toEqual({ code: CloseCode.AlreadyIdentified, reason: 'already identified: use Reidentify to change the subscriptions' });
    });
  });

  it('tells every client ExitStarted when it stops, closes them and frees its port', async () => {
    const { url, server, front } = await serve();
    const client = msgpackClient();
    await client.connect(url);
    const raw = await RawClient.open(url, 'obswebsocket.json');
    await raw.identify();
    const exit = new Promise<void>((resolve) => client.once('ExitStarted', () => resolve()));
    const closed = new Promise<number>((resolve) => client.once('ConnectionClosed', (err) => resolve(err.code)));
    await server.stop();
    await exit;
    expect(await closed).toBe(1001);
    expect(await raw.closed).toEqual({ code: 1001, reason: 'Uplink is stopping' });
    expect(raw.messages[2]).toEqual({ op: 5, d: { eventType: 'ExitStarted', eventIntent: EventSubscription.General } });
    expect(front.listenerCount).toBe(0);
    await expect(RawClient.open(url)).rejects.toThrow();
  });

  it('cuts off a client that stops reading; the others get every event', async () => {
    const { url, front, server } = await serve({ maxBacklog: 256 * 1024 });
    const stuck = await RawClient.open(url, 'obswebsocket.json');
    await stuck.identify(EventSubscription.All | EventSubscription.InputVolumeMeters);
    const reader = msgpackClient();
    await reader.connect(url);
    let scenes = 0;
    reader.on('CurrentProgramSceneChanged', () => scenes++);
    // The stuck client's socket stops reading: what the server sends piles up in the kernel's buffers, then in ws's.
    (stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = { padding: 'x'.repeat(16 * 1024) };
    let sent = 0;
    while (server.clientCount === 2 && sent < 20_000) {
      front.emit({ eventType: 'InputVolumeMeters', eventIntent: EventSubscription.InputVolumeMeters, eventData: big });
      front.emit({ eventType: 'CurrentProgramSceneChanged', eventIntent: EventSubscription.Scenes, eventData: big });
      sent++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(server.clientCount).toBe(1);
    await until(() => scenes === sent);
    expect(await reader.call('GetVersion')).toMatchObject({ rpcVersion: 1 });
  });

  it('lets go of a client that stops answering pings, and keeps one that answers', async () => {
    const { url, server } = await serve({ heartbeatMs: 50 });
    const silent = await RawClient.open(url, 'obswebsocket.json', { autoPong: false });
    await silent.identify();
    const answering = await RawClient.open(url, 'obswebsocket.json');
    await answering.identify();
    let pings = 0;
    answering.ws.on('ping', () => pings++);
    expect((await silent.closed).code).toBe(1006);
    await until(() => pings >= 3);
    expect(server.clientCount).toBe(1);
  });

  it('invalidates its sessions (4011, no ExitStarted) when the streamer turns it off or changes it', async () => {
    const { url, server } = await serve();
    const raw = await RawClient.open(url, 'obswebsocket.json');
    await raw.identify();
    await server.stop('invalidate');
    expect(await raw.closed).toEqual({ code: CloseCode.SessionInvalidated, reason: 'obs-websocket was turned off or its port or password changed in Uplink' });
    expect(raw.messages).toHaveLength(2);
  });

  it('says in one sentence that its port is taken', async () => {
    const { server } = await serve();
    const second = new ObsWebSocketServer({ front: new StubFront(), port: server.port });
    await expect(second.start()).rejects.toThrow(`obs-websocket cannot listen on port ${server.port} of 127.0.0.1: it is in use`);
  });
});
