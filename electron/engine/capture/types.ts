/**
 * What device discovery finds on every OS. A CaptureDevice is data only: `sources.ts` turns it into FFmpeg
 * input arguments, the front ends show `name` and keep `id`.
 */
export type { CaptureApi, CaptureDevice, DeviceKind, VideoFormat } from '../../contract.js';
