/**
 * One obs-websocket client from Hello to close: identification (with the challenge when a password is
 * set), requests and batches handed to the front, and the events its subscription asks for. It knows
 * nothing of sockets or encodings: the server decodes what arrives, and sends and closes for it.
 *
 * Requests run as they arrive and each is answered when done, as OBS's thread pool does, so a slow one
 * (StartStream waits for the encoder's first pictures) never holds up a client's polling. Changes still
 * happen one at a time in arrival order (the studio queues its commands); a client that needs a Get to
 * see its Set waits for the Set's answer, or sends both in a batch.
 *
 * Batches: `SerialRealtime` runs its requests one after another; `SerialFrame` runs the same way, with
 * `Sleep`'s `sleepFrames` turned into time at the canvas's frame rate (the compositor takes commands
 * between frames anyway, so a frame-exact batch would be no more exact); `Parallel` starts every request
 * at once (the studio still runs its commands one at a time) and has no `Sleep`.
 */
import { authResponse, randomToken, sameAnswer } from './auth.js';
import {
  BatchExecution,
  type BatchExecutionType,
  type BatchRequest,
  CloseCode,
  type CloseCodeValue,
  EventSubscription,
  MAX_SLEEP_FRAMES,
  MAX_SLEEP_MILLIS,
  OBS_WEBSOCKET_VERSION,
  OpCode,
  RPC_VERSION,
  type RequestResult,
  RequestStatus,
  type ServerMessage,
  closeReason,
  parseClientMessage,
  subscribed,
} from './protocol.js';
import type { ObsData, ObsEvent, ObsFront, ObsResponse } from './types.js';

export interface SessionTransport {
  send(message: ServerMessage): void;
  close(code: CloseCodeValue, reason: string): void;
}

export interface ObsSessionOptions {
  front: ObsFront;
  /** base64(sha256(password + salt)) and its salt, when the server has a password. */
  auth?: { secret: string; salt: string };
  /**
   * Runs the close of a failed authentication: the server delays it and paces it per address, so that
   * guessing a password costs a second a guess. Default: at once.
   */
  failAuthentication?: (close: () => void) => void;
  /** One frame of the canvas, in milliseconds, for `Sleep`'s `sleepFrames` (default 30 fps). */
  frameMs?: () => number;
  /** Told once, when the client has identified. */
  onIdentified?: () => void;
}

type Phase = 'hello' | 'identified' | 'closing';

const REQUEST_FAILED = 'the request failed inside Uplink';

export class ObsSession {
  private phase: Phase = 'hello';
  private subscriptions: number = EventSubscription.All;
  private readonly challenge = randomToken();
  /** Wakes every `Sleep` of a batch when the client goes, so that nothing runs for a closed session. */
  private readonly gone = new AbortController();
  /** Messages this client sent and was sent, for GetStats (only the session knows them). */
  private incoming = 0;
  private outgoing = 0;

  private readonly transport: SessionTransport;

  constructor(
    transport: SessionTransport,
    private readonly options: ObsSessionOptions,
  ) {
    this.transport = {
      send: (message) => {
        this.outgoing++;
        transport.send(message);
      },
      close: (code, reason) => transport.close(code, reason),
    };
  }

  get identified(): boolean {
    return this.phase === 'identified';
  }

  get eventSubscriptions(): number {
    return this.subscriptions;
  }

  /** The first message, sent as soon as the socket is open. */
  hello(): void {
    const { auth } = this.options;
    this.transport.send({
      op: OpCode.Hello,
      d: { obsWebSocketVersion: OBS_WEBSOCKET_VERSION, rpcVersion: RPC_VERSION, ...(auth ? { authentication: { challenge: this.challenge, salt: auth.salt } } : {}) },
    });
  }

  /** An event went to this client (the server sends events itself, encoded once for every client). */
  countSent(): void {
    this.outgoing++;
  }

  /** True when this client is identified and subscribed to the event's intent. */
  wants(event: ObsEvent): boolean {
    return this.phase === 'identified' && subscribed(this.subscriptions, event.eventIntent);
  }

  /** Handles one decoded message. */
  receive(value: unknown): void {
    if (this.phase === 'closing') return;
    this.incoming++;
    const parsed = parseClientMessage(value);
    if (!parsed.ok) return this.closeWith(parsed.code, parsed.reason);
    const message = parsed.message;
    if (this.phase === 'hello' && message.op !== OpCode.Identify) return this.closeWith(CloseCode.NotIdentified, 'send Identify first, and nothing before Identified comes back');
    switch (message.op) {
      case OpCode.Identify:
        return this.identify(message.d);
      case OpCode.Reidentify:
        if (message.d.eventSubscriptions !== undefined) this.subscriptions = message.d.eventSubscriptions;
        else this.subscriptions = EventSubscription.All;
        this.transport.send({ op: OpCode.Identified, d: { negotiatedRpcVersion: RPC_VERSION } });
        return;
      case OpCode.Request: {
        const { requestType, requestId, requestData } = message.d;
        void this.run(requestType, requestData, BatchExecution.None).then((result) => {
          if (this.phase === 'identified') this.transport.send({ op: OpCode.RequestResponse, d: { requestType, requestId, ...result } });
        });
        return;
      }
      case OpCode.RequestBatch:
        void this.batch(message.d.requests, message.d.executionType, message.d.haltOnFailure).then((results) => {
          if (this.phase === 'identified') this.transport.send({ op: OpCode.RequestBatchResponse, d: { requestId: message.d.requestId, results } });
        });
        return;
    }
  }

  /** The socket is gone (or the server stops): nothing more is sent, batches stop sleeping. */
  close(): void {
    this.phase = 'closing';
    this.gone.abort();
  }

  private identify(d: { rpcVersion: number; authentication?: string; eventSubscriptions?: number }): void {
    if (this.phase === 'identified') return this.closeWith(CloseCode.AlreadyIdentified, 'already identified: use Reidentify to change the subscriptions');
    const { auth } = this.options;
    if (auth) {
      const answer = authResponse(auth.secret, this.challenge);
      if (d.authentication === undefined || !sameAnswer(d.authentication, answer)) {
        this.phase = 'closing';
        const close = (): void => this.transport.close(CloseCode.AuthenticationFailed, d.authentication === undefined ? 'authentication required: this server has a password' : 'authentication failed: wrong password');
        (this.options.failAuthentication ?? ((run) => run()))(close);
        return;
      }
    }
    if (d.rpcVersion !== RPC_VERSION) return this.closeWith(CloseCode.UnsupportedRpcVersion, `rpcVersion ${d.rpcVersion} is not supported: Uplink speaks rpcVersion ${RPC_VERSION}`);
    this.subscriptions = d.eventSubscriptions ?? EventSubscription.All;
    this.phase = 'identified';
    this.transport.send({ op: OpCode.Identified, d: { negotiatedRpcVersion: RPC_VERSION } });
    this.options.onIdentified?.();
  }

  private async batch(requests: Array<BatchRequest | { invalid: string; requestId?: string | number }>, executionType: BatchExecutionType, haltOnFailure: boolean): Promise<RequestResult[]> {
    const runOne = async (request: (typeof requests)[number]): Promise<RequestResult> => {
      const id = request.requestId === undefined ? {} : { requestId: request.requestId };
      if ('invalid' in request) return { requestType: '', ...id, requestStatus: { result: false, code: RequestStatus.MissingRequestType, comment: request.invalid } };
      return { requestType: request.requestType, ...id, ...(await this.run(request.requestType, request.requestData, executionType)) };
    };
    if (executionType === BatchExecution.Parallel) return Promise.all(requests.map(runOne));
    const results: RequestResult[] = [];
    for (const request of requests) {
      if (this.phase !== 'identified') break;
      const result = await runOne(request);
      results.push(result);
      if (haltOnFailure && !result.requestStatus.result) break;
    }
    return results;
  }

  /** One request, never throwing: `Sleep` is the session's (it only means something in a batch), the rest the front's. */
  private async run(requestType: string, requestData: ObsData | undefined, executionType: BatchExecutionType | typeof BatchExecution.None): Promise<Omit<RequestResult, 'requestType' | 'requestId'>> {
    let response: ObsResponse;
    try {
      response = requestType === 'Sleep' ? await this.sleep(requestData, executionType) : await this.options.front.request(requestType, requestData);
    } catch {
      response = { result: false, code: RequestStatus.RequestProcessingFailed, comment: REQUEST_FAILED };
    }
    if (requestType === 'GetStats' && response.data) {
      // The answer about to go out counts as sent, as OBS counts it.
      response = { ...response, data: { ...response.data, webSocketSessionIncomingMessages: this.incoming, webSocketSessionOutgoingMessages: this.outgoing + 1 } };
    }
    return {
      requestStatus: { result: response.result, code: response.code, ...(response.comment === undefined ? {} : { comment: response.comment }) },
      ...(response.data === undefined ? {} : { responseData: response.data }),
    };
  }

  private async sleep(data: ObsData | undefined, executionType: BatchExecutionType | typeof BatchExecution.None): Promise<ObsResponse> {
    if (executionType === BatchExecution.None || executionType === BatchExecution.Parallel) {
      return { result: false, code: RequestStatus.UnsupportedRequestBatchExecutionType, comment: 'Sleep only runs inside a serial request batch' };
    }
    const frames = executionType === BatchExecution.SerialFrame;
    const field = frames ? 'sleepFrames' : 'sleepMillis';
    const max = frames ? MAX_SLEEP_FRAMES : MAX_SLEEP_MILLIS;
    const value = data?.[field];
    if (value === undefined) return { result: false, code: RequestStatus.MissingRequestField, comment: `Sleep needs \`${field}\` in this batch` };
    if (typeof value !== 'number' || !Number.isFinite(value)) return { result: false, code: RequestStatus.InvalidRequestFieldType, comment: `\`${field}\` must be a number` };
    if (value < 0 || value > max) return { result: false, code: RequestStatus.RequestFieldOutOfRange, comment: `\`${field}\` must be from 0 to ${max}` };
    const ms = frames ? value * (this.options.frameMs?.() ?? 1000 / 30) : value;
    await abortableDelay(ms, this.gone.signal);
    return { result: true, code: RequestStatus.Success };
  }

  private closeWith(code: CloseCodeValue, reason: string): void {
    this.phase = 'closing';
    this.transport.close(code, closeReason(reason));
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
