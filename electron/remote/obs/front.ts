/**
 * obs-websocket's requests and events for Uplink: one front per server, shared by every client session.
 * Requests are looked up in the tables (general, scenes, inputs, outputs) and run against the studio
 * through the port; whatever goes wrong becomes a response with OBS's status code and one sentence,
 * never a throw. Events come from comparing each state snapshot with the one before (events.ts) and from
 * the audio levels (InputVolumeMeters, 20 a second while scenes run).
 */
import type { PreviewFrame, StudioState } from '../../contract.js';
import { errorMessage } from '../../engine/errors.js';
import { redact } from '../../engine/log.js';
import { RequestStatus } from './protocol.js';
import type { Handler, ObsContext } from './context.js';
import { metersEvent, stateEvents, transitionEnd } from './events.js';
import { Fields, ObsFailure, isData } from './fields.js';
import { obsPlatform, type ObsPlatform } from './kinds.js';
import { SceneItemNumbers } from './names.js';
import { OutputTracker } from './outputs.js';
import { generalRequests } from './requests-general.js';
import { inputRequests } from './requests-inputs.js';
import { outputRequests } from './requests-outputs.js';
import { sceneRequests } from './requests-scenes.js';
import type { ObsData, ObsEvent, ObsFront, ObsResponse, StudioPort } from './types.js';

const HANDLERS: ReadonlyMap<string, Handler> = new Map(Object.entries({ ...generalRequests, ...sceneRequests, ...inputRequests, ...outputRequests }));

/** Every request type the front answers, sorted (GetVersion's availableRequests; `Sleep` is the session's). */
export const OBS_REQUESTS: readonly string[] = [...HANDLERS.keys(), 'Sleep'].sort();

export interface ObsFrontOptions {
  /** The OS whose OBS kinds the front names inputs by; default this computer's. */
  platform?: ObsPlatform;
}

/** A studio error's code -> OBS's status code: refusals of the studio are 600-range, a running output 500s. */
function statusOf(code: string): number {
  if (code === 'ALREADY_LIVE' || code === 'ALREADY_RECORDING') return RequestStatus.OutputRunning;
  if (code === 'NOT_LIVE' || code === 'NOT_RECORDING') return RequestStatus.OutputNotRunning;
  if (code.startsWith('NO_SUCH') || code.endsWith('NOT_FOUND')) return RequestStatus.ResourceNotFound;
  return RequestStatus.InvalidResourceState;
}

function failure(err: unknown): ObsResponse {
  if (err instanceof ObsFailure) return { result: false, code: err.code, comment: err.message };
  const record = typeof err === 'object' && err !== null ? (err as { code?: unknown; message?: unknown; field?: unknown }) : {};
  const message = redact(typeof record.message === 'string' ? record.message : errorMessage(err));
  if (typeof record.code === 'string' && record.code !== 'INTERNAL') {
    // A bad value the studio's schemas caught (but not a confined path): the field was invalid.
    const invalid = typeof record.field === 'string' && record.field !== '' && record.code !== 'PATH_NOT_ALLOWED';
    return { result: false, code: invalid ? RequestStatus.InvalidRequestField : statusOf(record.code), comment: oneLine(message) };
  }
  return { result: false, code: RequestStatus.RequestProcessingFailed, comment: oneLine(message) };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

class Front implements ObsFront {
  private readonly listeners = new Set<(event: ObsEvent) => void>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly numbers = new SceneItemNumbers();
  private readonly outputs = new OutputTracker();
  private last: StudioState | undefined;
  private preview: PreviewFrame | undefined;
  /** Transitions under way: their end is announced once their length has passed. */
  private readonly transitions = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly ready: Promise<void>;
  private readonly context: ObsContext;

  constructor(
    private readonly port: StudioPort,
    private readonly platform: ObsPlatform,
  ) {
    this.unsubscribe.push(
      port.on('onState', (state) => this.observe(state)),
      port.on('onStats', (stats) => this.outputs.onStats(stats)),
      port.on('onLevels', (levels) => {
        const c = this.last?.scenes?.collection;
        if (c !== undefined && this.listeners.size > 0) this.emit(metersEvent(levels, c, this.last!.encoding.audioChannels));
      }),
      port.on('onPreview', (frame) => {
        this.preview = frame;
      }),
    );
    this.ready = port.commands.getState().then(
      (state) => this.observe(state),
      () => undefined,
    );
    this.context = {
      port,
      platform,
      numbers: this.numbers,
      outputs: this.outputs,
      state: () => this.state(),
      availableRequests: () => [...OBS_REQUESTS],
      latestPreview: () => this.preview,
    };
  }

  async request(requestType: string, requestData: ObsData | undefined): Promise<ObsResponse> {
    const handler = HANDLERS.get(requestType);
    if (handler === undefined) return { result: false, code: RequestStatus.UnknownRequestType, comment: `Your request type \`${requestType}\` is not valid.` };
    if (requestData !== undefined && !isData(requestData)) return { result: false, code: RequestStatus.MissingRequestData, comment: 'Your request data is missing or invalid (non-object)' };
    try {
      await this.ready;
      const data = await handler(this.context, new Fields(requestData ?? {}));
      return data === undefined ? { result: true, code: RequestStatus.Success } : { result: true, code: RequestStatus.Success, data };
    } catch (err) {
      return failure(err);
    }
  }

  onEvent(listener: (event: ObsEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    // ExitStarted is the server's to send, before it closes the clients.
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribe.splice(0)) off();
    for (const timer of this.transitions) clearTimeout(timer);
    this.transitions.clear();
    this.listeners.clear();
  }

  /** The state now; a snapshot newer than the last event seen is handled as that event would be. */
  private async state(): Promise<StudioState> {
    const state = await this.port.commands.getState();
    this.observe(state);
    return state;
  }

  private observe(state: StudioState): void {
    const prev = this.last;
    if (prev !== undefined && state.revision <= prev.revision) return;
    this.last = state;
    this.outputs.observe(state);
    if (prev === undefined) {
      if (state.scenes !== null) this.numbers.observe(state.scenes.collection);
      return;
    }
    for (const event of stateEvents(prev, state, this.numbers, this.platform)) {
      this.emit(event);
      if (event.eventType === 'SceneTransitionStarted') {
        const transition = state.scenes?.collection.transition;
        this.endTransitionAfter(event, transition?.kind === 'fade' ? transition.durationMs : 0);
      }
    }
  }

  /** The studio fades for the transition's length (a cut lands within a few frames): then OBS's end events. */
  private endTransitionAfter(started: ObsEvent, ms: number): void {
    const timer = setTimeout(() => {
      this.transitions.delete(timer);
      for (const event of transitionEnd(started)) this.emit(event);
    }, ms);
    timer.unref();
    this.transitions.add(timer);
  }

  private emit(event: ObsEvent): void {
    if (this.closed) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A session that fails to send is the session's business; the others still get the event.
      }
    }
  }
}

/** The obs-websocket front of one studio. */
export function createObsFront(port: StudioPort, options: ObsFrontOptions = {}): ObsFront {
  return new Front(port, options.platform ?? obsPlatform());
}
