/**
 * obs-websocket v5 as a front of the studio: the seam between the protocol (the WebSocket, Hello /
 * Identify, batches, subscriptions: `session.ts`, `server.ts`) and what requests and events mean for
 * Uplink (`front.ts` and the request tables it uses). The protocol side knows nothing of scenes; the
 * front knows nothing of WebSockets or encodings.
 */
import type { StudioCommands, StudioEvents } from '../../contract.js';

/** A request's or event's data: a JSON object (msgpack carries the same values). */
export type ObsData = Record<string, unknown>;

/** The studio as the obs-websocket front drives it: the contract, with the web remote's path guard in front. */
export interface StudioPort {
  /** Every command goes through the same confinement of file paths as the web remote's. */
  readonly commands: StudioCommands;
  /** Subscribes to one contract event; returns the unsubscribe. */
  on<K extends keyof StudioEvents>(event: K, listener: (payload: StudioEvents[K]) => void): () => void;
  /** The profile's folders a client may name files in, and where recordings go. */
  readonly profileDir: string;
  readonly recordingsDir: string;
  readonly mediaDir: string;
}

/** What a request answers: OBS's `requestStatus` fields and the response data. */
export interface ObsResponse {
  result: boolean;
  /** RequestStatus code (100 success, 204 unknown request, 300s bad fields, 500s state, 600s failures). */
  code: number;
  comment?: string;
  data?: ObsData;
}

/** An event for every client; the session passes it on to those whose subscription has `intent`. */
export interface ObsEvent {
  eventType: string;
  /** EventSubscription bit (1 << n) the event belongs to. */
  eventIntent: number;
  eventData?: ObsData;
}

/** One per server, shared by every client session. */
export interface ObsFront {
  /**
   * Runs one request and never throws: an unknown type answers 204, a bad field a 300-range code, a
   * refusal of the studio 600-range, each with a one-line comment. `Sleep` is the session's, not this.
   */
  request(requestType: string, requestData: ObsData | undefined): Promise<ObsResponse>;
  /** Every event, for the sessions to filter; returns the unsubscribe. */
  onEvent(listener: (event: ObsEvent) => void): () => void;
  /** Stops listening to the studio. */
  close(): void;
}
