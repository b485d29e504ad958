import { UplinkError } from './errors.js';

/**
 * A command input, a setting or a flag that was refused: `field` says which (`videoBitrateKbps`,
 * `serverUrl`), so that a front can show the sentence at the field, or name it in its own words.
 */
export class InvalidInputError extends UplinkError {
  constructor(
    code: string,
    readonly field: string,
    message: string,
  ) {
    super(code, message);
  }
}
