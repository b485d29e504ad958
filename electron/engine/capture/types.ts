/**
 * What device discovery finds on every OS. A CaptureDevice is data only: `sources.ts` turns it into FFmpeg
 * input arguments, the front ends show `name` and keep `id`.
 */
export type DeviceKind = 'video' | 'audio' | 'screen';

export type CaptureApi = 'dshow' | 'avfoundation' | 'v4l2' | 'pulse' | 'alsa' | 'x11grab' | 'gdigrab';

export interface CaptureDevice {
  /**
   * Stable id usable on the command line, `<api>:<what FFmpeg is given>`, e.g.
   * 'dshow:video=@device_pnp_...', 'v4l2:/dev/video0', 'avfoundation:video:1', 'pulse:alsa_input.usb-...'.
   */
  id: string;
  /** Human name, as the OS shows it. Two devices may share one. */
  name: string;
  kind: DeviceKind;
  api: CaptureApi;
  /** DirectShow's unique "Alternative name"; unlike `name` it tells two identical webcams apart. */
  alternativeName?: string;
  /** Sizes, frame rates and pixel formats, where the listing tells them. */
  formats?: VideoFormat[];
  /** An audio source that records what a sink plays (PulseAudio "Monitor of ..."): desktop audio, not a mic. */
  monitor?: boolean;
}

export interface VideoFormat {
  /** Raw pixel format in FFmpeg's name (yuyv422, nv12, ...); absent for compressed formats. */
  pixelFormat?: string;
  /** Compressed format in FFmpeg's codec name (mjpeg, h264, ...); absent for raw formats. */
  codec?: string;
  width: number;
  height: number;
  /**
   * The frame-rate range the device reports for this format, ascending: its two ends, or one value when
   * they are equal. DirectShow takes any rate inside; AVFoundation only the upper end (see formats.ts).
   * Absent when the listing does not say (V4L2, screens).
   */
  fps?: number[];
}
