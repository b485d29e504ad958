/**
 * Pure parsers for what FFmpeg writes on stderr: the progress line it rewrites with '\r', the split of
 * a chunked byte stream into lines, and the classification of a failed run into a reason a streamer can
 * act on. Formats differ between FFmpeg 4.4 and 7.x ("kB" became "KiB", "elapsed=" was added, lines
 * may carry "[error]" level tags and "[vost#0:0 @ 0x...]" prefixes), so every parser is lenient.
 */

export interface FfmpegProgress {
  /** null when no video is encoded (audio-only runs print no frame=). */
  frame: number | null;
  fps: number | null;
  bitrateKbps: number | null;
  /** Encoding speed relative to real time (1 = keeping up). */
  speed: number | null;
  /** Output position in seconds. */
  timeSec: number | null;
  dup: number;
  drop: number;
  /** Output size in KiB (FFmpeg's "kB" was always 1024 bytes). */
  sizeKb: number | null;
  /** The summary line FFmpeg prints once at the end ("Lsize="). */
  final: boolean;
}

const FIELD = /([a-zA-Z]+)=\s*(\S+)/g;

function numberOrNull(text: string | undefined): number | null {
  if (text === undefined || text === 'N/A') return null;
  const value = Number.parseFloat(text);
  return Number.isFinite(value) ? value : null;
}

/** "01:02:03.45" (or "-00:00:00.02") to seconds. */
export function parseTimestamp(text: string): number | null {
  const match = /^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text);
  if (!match) return null;
  const [, sign, h, m, s] = match;
  const seconds = Number(h) * 3600 + Number(m) * 60 + Number(s);
  return sign === '-' ? -seconds : seconds;
}

/** Parses one progress line; null for any other line. */
export function parseProgressLine(line: string): FfmpegProgress | null {
  const start = line.search(/\b(frame|size|Lsize)=/);
  if (start < 0 || !/\btime=/.test(line)) return null;
  const fields = new Map<string, string>();
  for (const match of line.slice(start).matchAll(FIELD)) {
    const [, key, value] = match;
    // With several video outputs FFmpeg prints one q= per stream; keep the first of each key.
    if (key !== undefined && value !== undefined && !fields.has(key)) fields.set(key, value);
  }
  const sizeText = fields.get('size') ?? fields.get('Lsize');
  const timeText = fields.get('time');
  const frame = numberOrNull(fields.get('frame'));
  return {
    frame: frame === null ? null : Math.trunc(frame),
    fps: numberOrNull(fields.get('fps')),
    bitrateKbps: numberOrNull(fields.get('bitrate')?.replace(/kbits\/s$/, '')),
    speed: numberOrNull(fields.get('speed')?.replace(/x$/, '')),
    timeSec: timeText === undefined ? null : parseTimestamp(timeText),
    dup: numberOrNull(fields.get('dup')) ?? 0,
    drop: numberOrNull(fields.get('drop')) ?? 0,
    sizeKb: numberOrNull(sizeText?.replace(/(KiB|kB)$/, '')),
    final: fields.has('Lsize'),
  };
}

/**
 * Splits `pending + chunk` on '\n', '\r' and '\r\n'; the unterminated tail is returned as `rest` to be
 * passed back with the next chunk. Empty lines are dropped: they carry nothing, and a '\r\n' split
 * across two chunks would otherwise yield one.
 */
export function splitLines(pending: string, chunk: string): { lines: string[]; rest: string } {
  const parts = (pending + chunk).split(/\r\n|\r|\n/);
  const rest = parts.pop() ?? '';
  return { lines: parts.filter((line) => line.trim() !== ''), rest };
}

/** Stateful wrapper around `splitLines` for a stream of decoded text chunks. */
export class LineSplitter {
  private rest = '';

  push(chunk: string): string[] {
    const { lines, rest } = splitLines(this.rest, chunk);
    this.rest = rest;
    return lines;
  }

  /** The last line when the stream ended without a line break. */
  flush(): string[] {
    const last = this.rest;
    this.rest = '';
    return last.trim() === '' ? [] : [last];
  }
}

export type FailureReason =
  | 'device-missing'
  | 'device-busy'
  | 'encoder-failed'
  | 'invalid-argument'
  | 'source-invalid'
  | 'killed'
  | 'output-closed'
  | 'unknown';

export interface FfmpegFailure {
  reason: FailureReason;
  /** One sentence for the streamer: what happened and what to do. */
  message: string;
  /** The stderr line that decided the reason, without FFmpeg's "[x @ 0x...]" and level prefixes. */
  detail?: string;
}

export interface FailureInput {
  /** Whole stderr text or its lines (a tail is enough: FFmpeg reports the cause last). */
  stderr: string | readonly string[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Ordered: the first matching rule wins. Encoder failures come first because their stderr often also
 * says "Invalid argument" or "No such file" (a missing /dev/dri node), device-busy before missing
 * because dshow follows "Could not run graph" with a generic "I/O error". */
const RULES: readonly { reason: Exclude<FailureReason, 'killed' | 'unknown'>; patterns: readonly RegExp[] }[] = [
  {
    reason: 'encoder-failed',
    patterns: [
      // Specific causes first, so that `detail` names the cause rather than the generic consequence.
      /Unknown encoder/i,
      /No NVENC capable devices found/i,
      /Cannot load (?:nvcuda\.dll|libcuda\.so|libnvidia-encode|nvEncodeAPI)/i,
      /OpenEncodeSessionEx failed/i,
      /Driver does not support the required nvenc API version/i,
      /Error (?:initializing|creating) an? (?:internal )?MFX session/i,
      /No VA display found/i,
      /Failed to initiali[sz]e VAAPI connection/i,
      /Device creation failed/i,
      /amfrt(?:64|32)\.dll failed to open/i,
      /AMF failed to initiali[sz]e/i,
      /cannot (?:create compression session|prepare encoder)/i,
      /Error selecting an encoder/i,
      /Error while opening encoder/i,
      /Could not open encoder/i,
    ],
  },
  {
    reason: 'device-busy',
    patterns: [/Device or resource busy/i, /Could not run graph/i],
  },
  {
    reason: 'device-missing',
    patterns: [
      /No such file or directory/i,
      /No such device/i,
      /Could not find (?:video|audio)(?: only)? device/i,
      /(?:Video|Audio) device not found/i,
      /Cannot open (?:video|audio) device/i,
      /cannot open audio device/i,
      /Input\/output error/i,
      /\bI\/O error/i,
    ],
  },
  {
    // A source FFmpeg opened but cannot use: a colour it does not know, a file that is not a picture or
    // media. Before invalid-argument: the colour failure is followed by "Error initializing filter".
    reason: 'source-invalid',
    patterns: [/Cannot find color/i, /Invalid data found when processing input/i, /could not find codec parameters/i],
  },
  {
    reason: 'output-closed',
    patterns: [/Broken pipe/i, /\bEPIPE\b/],
  },
  {
    reason: 'invalid-argument',
    patterns: [
      /Unrecognized option/i,
      /Option not found/i,
      /Error splitting the argument list/i,
      /No such filter/i,
      /Error (?:initializing|reinitializing|configuring) (?:complex )?filter/i,
      /Error parsing/i,
      /Unable to find a suitable output format/i,
      /Unknown input format/i,
      /Trailing option/i,
      /Invalid argument/i,
    ],
  },
];

const MESSAGES: Record<FailureReason, (input: FailureInput) => string> = {
  'device-missing': () =>
    'A capture device or source could not be found: check that it is plugged in and chosen in the source settings, then start again.',
  'device-busy': () =>
    'A camera or capture card is in use by another program: close the other program (a video call, another streaming app) and start again.',
  'encoder-failed': () =>
    'The video encoder could not start: choose another encoder in the output settings (x264 works everywhere) or update the graphics driver.',
  'invalid-argument': () =>
    'FFmpeg refused the settings Uplink gave it: check the resolution, frame rate and encoder settings, and report a bug if they look right.',
  'source-invalid': () =>
    'A source could not be used: check that its colour is a colour name or hex value and that its file is a picture or a media file, then start again.',
  killed: (input) =>
    `FFmpeg was stopped from outside (${input.signal ?? 'signal'}), perhaps by the system running out of memory: start the stream again.`,
  'output-closed': () =>
    'FFmpeg stopped because its output was closed before the stream ended: start the stream again.',
  unknown: (input) =>
    `FFmpeg stopped unexpectedly (${input.signal ? `signal ${input.signal}` : `exit code ${input.code ?? 'unknown'}`}): see the log for details and start the stream again.`,
};

/** Removes "[h264_nvenc @ 0x55...] ", "[vost#0:0/h264_nvenc @ 000001...] " and "[error] " prefixes. */
export function cleanStderrLine(line: string): string {
  return line
    .replace(/^(?:\[[^\]]*\]\s*)+/, '')
    .replace(/\s+$/, '')
    .replace(/^x264 \[(?:error|warning|info)\]:\s*/, 'x264: ');
}

export function failureMessage(reason: FailureReason, input: FailureInput): string {
  return MESSAGES[reason](input);
}

/**
 * Classifies a run that ended with a non-zero code or a signal. Callers handle the clean cases first:
 * exit code 0, or an exit they asked for with stop().
 */
export function classifyFailure(input: FailureInput): FfmpegFailure {
  const lines = typeof input.stderr === 'string' ? input.stderr.split(/\r\n|\r|\n/) : input.stderr;
  const make = (reason: FailureReason, detail?: string): FfmpegFailure =>
    detail === undefined
      ? { reason, message: failureMessage(reason, input) }
      : { reason, message: failureMessage(reason, input), detail };

  if (input.signal === 'SIGPIPE') return make('output-closed');
  if (input.signal !== null) return make('killed');
  // FFmpeg traps SIGINT/SIGTERM, finishes the file and exits with 255 instead of dying by the signal.
  const trapped = lines.find((line) => /received signal \d+/.test(line));
  if (trapped !== undefined) return make('killed', cleanStderrLine(trapped));

  for (const rule of RULES) {
    for (const pattern of rule.patterns) {
      const line = lines.find((candidate) => pattern.test(candidate));
      if (line !== undefined) return make(rule.reason, cleanStderrLine(line));
    }
  }
  const lastError = [...lines].reverse().find((line) => /error|failed|invalid|cannot|could not/i.test(line));
  return make('unknown', lastError === undefined ? undefined : cleanStderrLine(lastError));
}
