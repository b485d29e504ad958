/**
 * One front's session with the studio over a message channel (the web remote's WebSocket, the desktop
 * app's MessagePort): calls in, results and events out, preview pictures as binary messages. Every
 * message from a front is untrusted: it is checked before anything runs, and a bad one is answered, never
 * thrown. A front that reads slowly loses preview pictures, never the program or the other fronts.
 */
import * as v from 'valibot';
import { type CommandError, STUDIO_COMMANDS, type StudioEvents } from '../contract.js';
import { type EventMessage, type JsonEventName, type ResultMessage, encodePreview, levelsForWire } from '../contract-wire.js';
import { UplinkError, errorMessage } from './errors.js';
import { InvalidInputError } from './input-error.js';
import { redact } from './log.js';
import type { Studio } from './studio.js';

export interface WireSender {
  sendText(text: string): void;
  sendBinary(data: Uint8Array): void;
  /** Bytes sent but not yet taken by the other side (a WebSocket's bufferedAmount), when known. */
  backlog?(): number;
}

export interface ContractSessionOptions {
  /** Preview pictures are skipped while more than this is waiting for the front (default 1 MB). */
  maxPreviewBacklog?: number;
  /** A check a front adds before a call runs (the web remote confines file paths): an error refuses it. */
  guard?: (command: string, args: unknown[]) => CommandError | undefined;
}

const CallSchema = v.strictObject({
  type: v.literal('call'),
  id: v.pipe(v.number(), v.integer(), v.minValue(0)),
  command: v.picklist(STUDIO_COMMANDS),
  args: v.pipe(v.array(v.unknown()), v.maxLength(8)),
});

const JSON_EVENTS: readonly JsonEventName[] = ['onState', 'onStats', 'onNotice', 'onProgramEnded', 'onLevels'];
const MAX_MESSAGE_CHARS = 1024 * 1024;

/** An error as a front sees it: the sentence, a code to act on, the field for bad input. */
export function toCommandError(err: unknown): CommandError {
  if (err instanceof InvalidInputError) return { code: err.code, message: redact(err.message), field: err.field };
  if (err instanceof UplinkError) return { code: err.code, message: redact(err.message) };
  return { code: 'INTERNAL', message: redact(errorMessage(err)) };
}

export class ContractSession {
  private readonly unsubscribe: Array<() => void> = [];
  private closed = false;
  private skippedPreview = 0;

  constructor(
    private readonly studio: Studio,
    private readonly sender: WireSender,
    private readonly options: ContractSessionOptions = {},
  ) {
    for (const event of JSON_EVENTS) {
      const listener = (payload: StudioEvents[typeof event]): void => this.sendEvent(event, payload);
      studio.on(event, listener as never);
      this.unsubscribe.push(() => studio.off(event, listener as never));
    }
    const onPreview = (frame: StudioEvents['onPreview']): void => {
      if (this.closed) return;
      // The newest picture wins: a front behind by more than a few pictures skips some.
      if ((this.sender.backlog?.() ?? 0) > (this.options.maxPreviewBacklog ?? 1024 * 1024)) {
        this.skippedPreview++;
        return;
      }
      this.sender.sendBinary(encodePreview(frame.seq, frame.jpeg));
    };
    studio.on('onPreview', onPreview);
    this.unsubscribe.push(() => studio.off('onPreview', onPreview));
    // A front that has just connected shows the newest picture at once rather than after the next one.
    const newest = studio.latestPreview;
    if (newest) this.sender.sendBinary(encodePreview(newest.seq, newest.jpeg));
  }

  /** Preview pictures this front missed because it read too slowly. */
  get previewSkipped(): number {
    return this.skippedPreview;
  }

  /** Handles one text message from the front. */
  receive(text: string): void {
    if (this.closed) return;
    let parsed: unknown;
    try {
      if (text.length > MAX_MESSAGE_CHARS) throw new Error('too long');
      parsed = JSON.parse(text);
    } catch {
      this.sendResult({ type: 'result', id: -1, ok: false, error: { code: 'BAD_MESSAGE', message: 'a message must be JSON of at most 1 MB' } });
      return;
    }
    const call = v.safeParse(CallSchema, parsed);
    if (!call.success) {
      const id = typeof (parsed as { id?: unknown })?.id === 'number' ? (parsed as { id: number }).id : -1;
      this.sendResult({ type: 'result', id, ok: false, error: { code: 'BAD_MESSAGE', message: `not a call the studio knows: ${call.issues[0].message}` } });
      return;
    }
    const { id, command, args } = call.output;
    const refused = this.options.guard?.(command, args);
    if (refused) {
      this.sendResult({ type: 'result', id, ok: false, error: refused });
      return;
    }
    const method = this.studio[command] as (...a: unknown[]) => Promise<unknown>;
    method.apply(this.studio, args).then(
      (value) => this.sendResult({ type: 'result', id, ok: true, value: value ?? null }),
      (err: unknown) => this.sendResult({ type: 'result', id, ok: false, error: toCommandError(err) }),
    );
  }

  close(): void {
    this.closed = true;
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private sendEvent<K extends JsonEventName>(event: K, payload: StudioEvents[K]): void {
    if (this.closed) return;
    const message: EventMessage = { type: 'event', event, payload: (event === 'onLevels' ? levelsForWire(payload as StudioEvents['onLevels']) : payload) as StudioEvents[JsonEventName] };
    this.sender.sendText(JSON.stringify(message));
  }

  private sendResult(message: ResultMessage): void {
    if (!this.closed) this.sender.sendText(JSON.stringify(message));
  }
}
