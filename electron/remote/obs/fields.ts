/**
 * Reading a request's fields as obs-websocket does: a missing field is 300, a wrong type 401, a number
 * out of range 402, an empty string 403, each with OBS's kind of one-line comment. Handlers throw an
 * ObsFailure; the front turns it into the response.
 */
import type { ObsData } from './types.js';
import { RequestStatus } from './protocol.js';
import type { NameOrUuid } from './names.js';

export class ObsFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export function fail(code: number, message: string): never {
  throw new ObsFailure(code, message);
}

/** One request's data, read field by field. */
export class Fields {
  constructor(readonly data: ObsData) {}

  has(name: string): boolean {
    return this.data[name] !== undefined && this.data[name] !== null;
  }

  string(name: string): string {
    if (!this.has(name)) fail(RequestStatus.MissingRequestField, `Your request is missing the \`${name}\` field.`);
    const value = this.data[name];
    if (typeof value !== 'string') fail(RequestStatus.InvalidRequestFieldType, `The field value of \`${name}\` must be a string.`);
    if (value.length === 0) fail(RequestStatus.RequestFieldEmpty, `The field value of \`${name}\` must not be empty.`);
    return value;
  }

  optionalString(name: string): string | undefined {
    return this.has(name) ? this.string(name) : undefined;
  }

  boolean(name: string): boolean {
    if (!this.has(name)) fail(RequestStatus.MissingRequestField, `Your request is missing the \`${name}\` field.`);
    const value = this.data[name];
    if (typeof value !== 'boolean') fail(RequestStatus.InvalidRequestFieldType, `The field value of \`${name}\` must be boolean.`);
    return value;
  }

  optionalBoolean(name: string): boolean | undefined {
    return this.has(name) ? this.boolean(name) : undefined;
  }

  number(name: string, min = -Infinity, max = Infinity): number {
    if (!this.has(name)) fail(RequestStatus.MissingRequestField, `Your request is missing the \`${name}\` field.`);
    const value = this.data[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(RequestStatus.InvalidRequestFieldType, `The field value of \`${name}\` must be a number.`);
    if (value < min) fail(RequestStatus.RequestFieldOutOfRange, `The field value of \`${name}\` is below the minimum of \`${min}\``);
    if (value > max) fail(RequestStatus.RequestFieldOutOfRange, `The field value of \`${name}\` is above the maximum of \`${max}\``);
    return value;
  }

  optionalNumber(name: string, min?: number, max?: number): number | undefined {
    return this.has(name) ? this.number(name, min, max) : undefined;
  }

  object(name: string): ObsData {
    if (!this.has(name)) fail(RequestStatus.MissingRequestField, `Your request is missing the \`${name}\` field.`);
    const value = this.data[name];
    if (!isData(value)) fail(RequestStatus.InvalidRequestFieldType, `The field value of \`${name}\` must be an object.`);
    return value;
  }

  optionalObject(name: string): ObsData | undefined {
    return this.has(name) ? this.object(name) : undefined;
  }

  /** `<prefix>Name` or `<prefix>Uuid` (at least one), as OBS 30 takes scenes, inputs and sources. */
  nameOrUuid(prefix: 'scene' | 'input' | 'source'): NameOrUuid {
    const uuid = this.optionalString(`${prefix}Uuid`);
    const name = this.optionalString(`${prefix}Name`);
    if (uuid === undefined && name === undefined) {
      fail(RequestStatus.MissingRequestField, `Your request must contain at least one of the following fields: \`${prefix}Name\` or \`${prefix}Uuid\`.`);
    }
    return { name, uuid };
  }
}

export function isData(value: unknown): value is ObsData {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** How a lookup failure reads: OBS's own words. */
export function notFound(what: string, wanted: NameOrUuid): never {
  return fail(RequestStatus.ResourceNotFound, wanted.uuid !== undefined ? `No ${what} was found by the UUID of \`${wanted.uuid}\`.` : `No ${what} was found by the name of \`${wanted.name ?? ''}\`.`);
}
