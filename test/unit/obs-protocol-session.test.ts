import { describe, expect, it } from 'vitest';
import { authResponse, authSecret } from '../../electron/remote/obs/auth.js';
import { CloseCode, EventSubscription, type ServerMessage } from '../../electron/remote/obs/protocol.js';
import { ObsSession, type ObsSessionOptions } from '../../electron/remote/obs/session.js';
import { StubFront } from '../helpers/obs-stub-front.js';

/** A session on a transport that records what it sends, and a way to wait for the next message. */
function harness(options: Partial<ObsSessionOptions> = {}) {
  const front = new StubFront();
  const sent: ServerMessage[] = [];
  const closed: Array<{ code: number; reason: string }> = [];
  const waiters: Array<() => void> = [];
  const session = new ObsSession(
    {
      send: (message) => {
        sent.push(message);
        for (const wake of waiters.splice(0)) wake();
      },
      close: (code, reason) => closed.push({ code, reason }),
    },
    { front, ...options },
  );
  const next = async (op: number): Promise<ServerMessage> => {
    for (;;) {
      const found = sent.find((m) => m.op === op);
      if (found) {
        sent.splice(sent.indexOf(found), 1);
        return found;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { front, session, sent, closed, next };
}

function identified(options: Partial<ObsSessionOptions> = {}, eventSubscriptions?: number) {
  const h = harness(options);
  h.session.hello();
  h.session.receive({ op: 1, d: { rpcVersion: 1, ...(eventSubscriptions === undefined ? {} : { eventSubscriptions }) } });
  h.sent.splice(0);
  return h;
}

describe('obs-websocket session', () => {
  it('says hello with rpcVersion 1, and the challenge only when there is a password', () => {
    const open = harness();
    open.session.hello();
    expect(open.sent[0]).toEqual({ op: 0, d: { obsWebSocketVersion: expect.any(String), rpcVersion: 1 } });

    const secret = authSecret('pw', 'salt');
    const locked = harness({ auth: { secret, salt: 'salt' } });
    locked.session.hello();
    const hello = locked.sent[0] as Extract<ServerMessage, { op: 0 }>;
    expect(hello.d.authentication).toEqual({ salt: 'salt', challenge: expect.any(String) });
    locked.session.receive({ op: 1, d: { rpcVersion: 1, authentication: authResponse(secret, hello.d.authentication!.challenge) } });
    expect(locked.sent[1]).toEqual({ op: 2, d: { negotiatedRpcVersion: 1 } });
    expect(locked.session.identified).toBe(true);
  });

  it('GetStats counts the messages this client sent and was sent, events and this answer included', async () => {
    const h = harness();
    h.session.hello();
    h.session.receive({ op: 1, d: { rpcVersion: 1 } });
    h.session.receive({ op: 6, d: { requestType: 'GetVersion', requestId: '1' } });
    await h.next(7);
    h.session.countSent();
    h.session.receive({ op: 6, d: { requestType: 'GetStats', requestId: '2' } });
    const stats = (await h.next(7)) as Extract<ServerMessage, { op: 7 }>;
    // In: Identify, GetVersion, GetStats. Out: Hello, Identified, GetVersion's answer, the event, this answer.
    expect(stats.d.responseData).toMatchObject({ cpuUsage: 0, webSocketSessionIncomingMessages: 3, webSocketSessionOutgoingMessages: 5 });
  });

  it('closes a wrong answer with 4009 through the pacing it is given, and ignores what follows', () => {
    const paced: Array<() => void> = [];
    const h = harness({ auth: { secret: authSecret('pw', 's'), salt: 's' }, failAuthentication: (close) => paced.push(close) });
    h.session.hello();
    h.session.receive({ op: 1, d: { rpcVersion: 1, authentication: 'guess' } });
    expect(h.closed).toEqual([]);
    h.session.receive({ op: 6, d: { requestType: 'GetVersion', requestId: '1' } });
    paced[0]!();
    expect(h.closed).toEqual([{ code: CloseCode.AuthenticationFailed, reason: 'authentication failed: wrong password' }]);
    expect(h.front.calls).toEqual([]);
    expect(h.session.identified).toBe(false);
  });

  it('holds the order of identification: nothing before Identify, Identify once, rpcVersion 1 only', () => {
    const early = harness();
    early.session.receive({ op: 6, d: { requestType: 'GetVersion', requestId: '1' } });
    expect(early.closed[0]?.code).toBe(CloseCode.NotIdentified);

    const twice = identified();
    twice.session.receive({ op: 1, d: { rpcVersion: 1 } });
    expect(twice.closed[0]?.code).toBe(CloseCode.AlreadyIdentified);

    const future = harness();
    future.session.receive({ op: 1, d: { rpcVersion: 2 } });
    expect(future.closed[0]).toEqual({ code: CloseCode.UnsupportedRpcVersion, reason: 'rpcVersion 2 is not supported: Uplink speaks rpcVersion 1' });
  });

  it('answers a request with its type and id mirrored, and an unknown one with 204', async () => {
    const h = identified();
    h.session.receive({ op: 6, d: { requestType: 'GetVersion', requestId: 7 } });
    expect(await h.next(7)).toEqual({
      op: 7,
      d: { requestType: 'GetVersion', requestId: 7, requestStatus: { result: true, code: 100 }, responseData: expect.objectContaining({ rpcVersion: 1 }) },
    });
    h.session.receive({ op: 6, d: { requestType: 'Nope', requestId: 'x' } });
    expect((await h.next(7)).d).toMatchObject({ requestId: 'x', requestStatus: { result: false, code: 204 } });
    expect(h.closed).toEqual([]);
  });

  it('refuses Sleep outside a batch (206)', async () => {
    const h = identified();
    h.session.receive({ op: 6, d: { requestType: 'Sleep', requestId: '1', requestData: { sleepMillis: 10 } } });
    expect((await h.next(7)).d).toMatchObject({ requestStatus: { result: false, code: 206 } });
  });

  it('runs a serial batch in order, sleeping between, and stops at the first failure with haltOnFailure', async () => {
    const h = identified();
    const requests = [
      { requestType: 'Echo', requestId: 'a', requestData: { n: 1 } },
      { requestType: 'Sleep', requestData: { sleepMillis: 100 } },
      { requestType: 'Fail' },
      { requestType: 'Echo', requestData: { n: 2 } },
    ];
    h.session.receive({ op: 8, d: { requestId: 'b1', haltOnFailure: true, requests } });
    const halted = (await h.next(9)) as Extract<ServerMessage, { op: 9 }>;
    expect(halted.d.results.map((r) => [r.requestType, r.requestStatus.code])).toEqual([
      ['Echo', 100],
      ['Sleep', 100],
      ['Fail', 600],
    ]);
    expect(halted.d.results[0]).toMatchObject({ requestId: 'a', responseData: { n: 1 } });
    const [echo, fail] = [h.front.calls[0]!, h.front.calls[1]!];
    // Timers count from the event loop's cached clock, which may lag a few ms behind: the sleep is there, give or take.
    expect(fail.at - echo.at).toBeGreaterThanOrEqual(80);

    h.session.receive({ op: 8, d: { requestId: 'b2', requests } });
    const all = (await h.next(9)) as Extract<ServerMessage, { op: 9 }>;
    expect(all.d.results.map((r) => r.requestStatus.code)).toEqual([100, 100, 600, 100]);
  });

  it('turns sleepFrames into time at the canvas rate in a frame batch, and checks Sleep fields', async () => {
    const h = identified({ frameMs: () => 20 });
    h.session.receive({
      op: 8,
      d: {
        requestId: 'f',
        executionType: 1,
        requests: [{ requestType: 'Echo' }, { requestType: 'Sleep', requestData: { sleepFrames: 3 } }, { requestType: 'Echo' }, { requestType: 'Sleep', requestData: { sleepMillis: 5 } }, { requestType: 'Sleep', requestData: { sleepFrames: 20000 } }],
      },
    });
    const batch = (await h.next(9)) as Extract<ServerMessage, { op: 9 }>;
    expect(batch.d.results.map((r) => r.requestStatus.code)).toEqual([100, 100, 100, 300, 402]);
    expect(h.front.calls[1]!.at - h.front.calls[0]!.at).toBeGreaterThanOrEqual(45);
  });

  it('starts every request of a parallel batch at once, answers in order, and has no Sleep there', async () => {
    const h = identified();
    h.session.receive({ op: 8, d: { requestId: 'p', executionType: 2, requests: [{ requestType: 'Slow' }, { requestType: 'Echo', requestData: { n: 1 } }, { requestType: 'Sleep', requestData: { sleepMillis: 1 } }] } });
    // Echo ran while Slow still waits: the two were started together.
    await expect.poll(() => h.front.calls.map((c) => c.requestType)).toEqual(['Slow', 'Echo']);
    h.front.release();
    const batch = (await h.next(9)) as Extract<ServerMessage, { op: 9 }>;
    expect(batch.d.results.map((r) => [r.requestType, r.requestStatus.code])).toEqual([
      ['Slow', 100],
      ['Echo', 100],
      ['Sleep', 206],
    ]);
  });

  it('answers a batch request without requestType with 203 and goes on', async () => {
    const h = identified();
    h.session.receive({ op: 8, d: { requestId: 'm', requests: [{ requestId: 'q' }, { requestType: 'Echo' }] } });
    const batch = (await h.next(9)) as Extract<ServerMessage, { op: 9 }>;
    expect(batch.d.results).toEqual([
      { requestType: '', requestId: 'q', requestStatus: { result: false, code: 203, comment: 'the request has no `requestType`' } },
      { requestType: 'Echo', requestStatus: { result: true, code: 100 }, responseData: {} },
    ]);
  });

  it('wakes a sleeping batch when the client goes, and sends nothing more', async () => {
    const h = identified();
    h.session.receive({ op: 8, d: { requestId: 'z', requests: [{ requestType: 'Sleep', requestData: { sleepMillis: 50_000 } }, { requestType: 'Echo' }] } });
    h.session.close();
    // The sleep resolves on the abort; the batch then stops before its next request.
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.sent).toEqual([]);
    expect(h.front.calls).toEqual([]);
  });

  it('passes on the events the subscription names; Reidentify changes it', () => {
    const h = identified({}, EventSubscription.Scenes);
    const meters = { eventType: 'InputVolumeMeters', eventIntent: EventSubscription.InputVolumeMeters };
    const scene = { eventType: 'CurrentProgramSceneChanged', eventIntent: EventSubscription.Scenes };
    expect([h.session.wants(meters), h.session.wants(scene)]).toEqual([false, true]);
    h.session.receive({ op: 3, d: { eventSubscriptions: EventSubscription.InputVolumeMeters } });
    expect(h.sent).toEqual([{ op: 2, d: { negotiatedRpcVersion: 1 } }]);
    expect([h.session.wants(meters), h.session.wants(scene)]).toEqual([true, false]);
    h.session.receive({ op: 3, d: {} });
    expect(h.session.eventSubscriptions).toBe(EventSubscription.All);
  });
});
