/**
 * obs-websocket v5's wire vocabulary (obsproject/obs-websocket, docs/generated/protocol.md): opcodes,
 * close codes, request status codes, event subscription bits, and the check of every message a client
 * sends. The check is pure: it takes a decoded message (JSON or msgpack give the same values) and says
 * what it is, or which close code and one-line reason the protocol gives for it.
 */
import * as v from 'valibot';
import type { ObsData } from './types.js';

/** The protocol's only RPC version so far. */
export const RPC_VERSION = 1;
/** The obs-websocket version Uplink answers as: 5.3 added uuids, which clients of OBS 30+ send. */
export const OBS_WEBSOCKET_VERSION = '5.5.0';

export const SUBPROTOCOL_JSON = 'obswebsocket.json';
export const SUBPROTOCOL_MSGPACK = 'obswebsocket.msgpack';
export type Encoding = 'json' | 'msgpack';

export const OpCode = {
  Hello: 0,
  Identify: 1,
  Identified: 2,
  Reidentify: 3,
  Event: 5,
  Request: 6,
  RequestResponse: 7,
  RequestBatch: 8,
  RequestBatchResponse: 9,
} as const;

export const CloseCode = {
  UnknownReason: 4000,
  MessageDecodeError: 4002,
  MissingDataField: 4003,
  InvalidDataFieldType: 4004,
  InvalidDataFieldValue: 4005,
  UnknownOpCode: 4006,
  NotIdentified: 4007,
  AlreadyIdentified: 4008,
  AuthenticationFailed: 4009,
  UnsupportedRpcVersion: 4010,
  SessionInvalidated: 4011,
  UnsupportedFeature: 4012,
} as const;
export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

export const RequestStatus = {
  Success: 100,
  MissingRequestType: 203,
  UnknownRequestType: 204,
  GenericError: 205,
  UnsupportedRequestBatchExecutionType: 206,
  MissingRequestField: 300,
  MissingRequestData: 301,
  InvalidRequestField: 400,
  InvalidRequestFieldType: 401,
  RequestFieldOutOfRange: 402,
  RequestFieldEmpty: 403,
  TooManyRequestFields: 404,
  OutputRunning: 500,
  OutputNotRunning: 501,
  OutputPaused: 502,
  OutputNotPaused: 503,
  OutputDisabled: 504,
  StudioModeActive: 505,
  StudioModeNotActive: 506,
  ResourceNotFound: 600,
  ResourceAlreadyExists: 601,
  InvalidResourceType: 602,
  NotEnoughResources: 603,
  InvalidResourceState: 604,
  InvalidInputKind: 605,
  ResourceCreationFailed: 700,
  ResourceActionFailed: 701,
  RequestProcessingFailed: 702,
  CannotAct: 703,
} as const;

export const EventSubscription = {
  None: 0,
  General: 1 << 0,
  Config: 1 << 1,
  Scenes: 1 << 2,
  Inputs: 1 << 3,
  Transitions: 1 << 4,
  Filters: 1 << 5,
  Outputs: 1 << 6,
  SceneItems: 1 << 7,
  MediaInputs: 1 << 8,
  Vendors: 1 << 9,
  Ui: 1 << 10,
  Canvases: 1 << 11,
  /** Every category but the high-volume ones, which a client must ask for by name. */
  All: (1 << 12) - 1,
  InputVolumeMeters: 1 << 16,
  InputActiveStateChanged: 1 << 17,
  InputShowStateChanged: 1 << 18,
  SceneItemTransformChanged: 1 << 19,
} as const;

export const BatchExecution = { None: -1, SerialRealtime: 0, SerialFrame: 1, Parallel: 2 } as const;
export type BatchExecutionType = 0 | 1 | 2;

/** `Sleep`'s limits (the protocol's): milliseconds in a realtime batch, frames in a frame batch. */
export const MAX_SLEEP_MILLIS = 50_000;
export const MAX_SLEEP_FRAMES = 10_000;

// ------------------------------------------------------------------------------------ client messages

const RequestIdSchema = v.union([v.string(), v.number()]);
const SubscriptionsSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0x7fffffff));

const IdentifySchema = v.object({
  rpcVersion: v.pipe(v.number(), v.integer()),
  authentication: v.optional(v.string()),
  eventSubscriptions: v.optional(SubscriptionsSchema),
});
const ReidentifySchema = v.object({ eventSubscriptions: v.optional(SubscriptionsSchema) });
const RequestSchema = v.object({
  requestType: v.string(),
  requestId: RequestIdSchema,
  requestData: v.optional(v.unknown()),
});
const BatchSchema = v.object({
  requestId: RequestIdSchema,
  haltOnFailure: v.optional(v.boolean()),
  executionType: v.optional(v.picklist([BatchExecution.SerialRealtime, BatchExecution.SerialFrame, BatchExecution.Parallel])),
  requests: v.array(v.unknown()),
});

export interface BatchRequest {
  requestType: string;
  requestId?: string | number;
  requestData?: ObsData;
}

export type ClientMessage =
  | { op: typeof OpCode.Identify; d: { rpcVersion: number; authentication?: string; eventSubscriptions?: number } }
  | { op: typeof OpCode.Reidentify; d: { eventSubscriptions?: number } }
  | { op: typeof OpCode.Request; d: { requestType: string; requestId: string | number; requestData?: ObsData } }
  | {
      op: typeof OpCode.RequestBatch;
      d: { requestId: string | number; haltOnFailure: boolean; executionType: BatchExecutionType; requests: Array<BatchRequest | { invalid: string; requestId?: string | number }> };
    };

export type Parsed<T> = { ok: true; message: T } | { ok: false; code: CloseCodeValue; reason: string };

/** A close reason is one line, and fits a close frame's 123 bytes. */
export function closeReason(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return Buffer.byteLength(line) <= 123 ? line : `${Buffer.from(line).subarray(0, 119).toString('utf8').replace(/\uFFFD$/, '')}...`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function failed<T>(code: CloseCodeValue, reason: string): Parsed<T> {
  return { ok: false, code, reason: closeReason(reason) };
}

/** A message's data against its schema; a field that is missing, of the wrong type or out of range gets the protocol's close code for it. */
function checkData<T>(schema: v.GenericSchema<unknown, T>, data: Record<string, unknown>, what: string): Parsed<T> {
  const result = v.safeParse(schema, data);
  if (result.success) return { ok: true, message: result.output };
  const issue = result.issues[0];
  const field = issue.path?.map((item) => String(item.key)).join('.') ?? 'd';
  if (issue.input === undefined) return failed(CloseCode.MissingDataField, `${what} is missing \`${field}\``);
  if (issue.kind === 'schema' && issue.type !== 'picklist') return failed(CloseCode.InvalidDataFieldType, `${what}'s \`${field}\` has the wrong type (${issue.expected ?? issue.type} expected)`);
  return failed(CloseCode.InvalidDataFieldValue, `${what}'s \`${field}\` has a bad value: ${issue.message}`);
}

/** One request of a batch: a bad one becomes a failed result (203), not a closed connection. */
function batchRequest(value: unknown): BatchRequest | { invalid: string; requestId?: string | number } {
  if (!isObject(value)) return { invalid: 'a batch request must be an object' };
  const requestId = typeof value.requestId === 'string' || typeof value.requestId === 'number' ? value.requestId : undefined;
  if (typeof value.requestType !== 'string' || value.requestType === '') return { invalid: 'the request has no `requestType`', ...(requestId === undefined ? {} : { requestId }) };
  return {
    requestType: value.requestType,
    ...(requestId === undefined ? {} : { requestId }),
    ...(isObject(value.requestData) ? { requestData: value.requestData } : {}),
  };
}

/**
 * What a decoded client message is, or why the connection must close (the protocol's order of checks:
 * the envelope, then `op`, then the data of that op). Whether the op is allowed now (identified or not)
 * is the session's to say.
 */
export function parseClientMessage(value: unknown): Parsed<ClientMessage> {
  if (!isObject(value)) return failed(CloseCode.MessageDecodeError, 'a message must be an object with `op` and `d`');
  if ('request-type' in value) return failed(CloseCode.UnsupportedRpcVersion, 'this is an obs-websocket 4 request: Uplink speaks obs-websocket 5 (rpcVersion 1)');
  if (!('op' in value)) return failed(CloseCode.UnknownOpCode, 'the message is missing `op`');
  const op = value.op;
  if (typeof op !== 'number') return failed(CloseCode.InvalidDataFieldType, 'the message\'s `op` is not a number');
  if (op !== OpCode.Identify && op !== OpCode.Reidentify && op !== OpCode.Request && op !== OpCode.RequestBatch) return failed(CloseCode.UnknownOpCode, `unknown op ${op}`);
  const d = value.d;
  if (d === undefined || d === null) return failed(CloseCode.MissingDataField, 'the message is missing its data `d`');
  if (!isObject(d)) return failed(CloseCode.InvalidDataFieldType, 'the message\'s data `d` is not an object');
  switch (op) {
    case OpCode.Identify: {
      const parsed = checkData(IdentifySchema, d, 'Identify');
      return parsed.ok ? { ok: true, message: { op, d: parsed.message } } : parsed;
    }
    case OpCode.Reidentify: {
      const parsed = checkData(ReidentifySchema, d, 'Reidentify');
      return parsed.ok ? { ok: true, message: { op, d: parsed.message } } : parsed;
    }
    case OpCode.Request: {
      const parsed = checkData(RequestSchema, d, 'Request');
      if (!parsed.ok) return parsed;
      const { requestType, requestId, requestData } = parsed.message;
      return { ok: true, message: { op, d: { requestType, requestId, ...(isObject(requestData) ? { requestData } : {}) } } };
    }
    case OpCode.RequestBatch: {
      const parsed = checkData(BatchSchema, d, 'RequestBatch');
      if (!parsed.ok) return parsed;
      const { requestId, haltOnFailure, executionType, requests } = parsed.message;
      return {
        ok: true,
        message: { op, d: { requestId, haltOnFailure: haltOnFailure ?? false, executionType: executionType ?? BatchExecution.SerialRealtime, requests: requests.map(batchRequest) } },
      };
    }
  }
}

// ------------------------------------------------------------------------------------ server messages

export interface RequestStatusData {
  result: boolean;
  code: number;
  comment?: string;
}

export interface RequestResult {
  requestType: string;
  requestId?: string | number;
  requestStatus: RequestStatusData;
  responseData?: ObsData;
}

export type ServerMessage =
  | { op: typeof OpCode.Hello; d: { obsWebSocketVersion: string; rpcVersion: number; authentication?: { challenge: string; salt: string } } }
  | { op: typeof OpCode.Identified; d: { negotiatedRpcVersion: number } }
  | { op: typeof OpCode.Event; d: { eventType: string; eventIntent: number; eventData?: ObsData } }
  | { op: typeof OpCode.RequestResponse; d: RequestResult & { requestId: string | number } }
  | { op: typeof OpCode.RequestBatchResponse; d: { requestId: string | number; results: RequestResult[] } };

/** True when a client subscribed with `subscriptions` receives an event of `intent`. */
export function subscribed(subscriptions: number, intent: number): boolean {
  return (subscriptions & intent) !== 0;
}
