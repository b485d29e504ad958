import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { DestinationState } from '../../contract.js';
import { UplinkError } from '../errors.js';
import { StreamHeaderCache } from '../flv/headers.js';
import type { FlvTag } from '../flv/reader.js';
import { Logger } from '../log.js';
import type { PublisherOptions } from '../rtmp/publisher.js';
import type { RtmpTarget } from '../rtmp/url.js';
import { type TagClass, classifyTag } from './congestion.js';
import { Destination } from './destination.js';
import { Recorder, type RecordingFormat, type RecordingResult } from './recording.js';

/** The most of the current GOP kept for a recording started mid-program: a 2 s GOP at 50 Mbit/s. */
const GOP_MAX_BYTES = 16 * 1024 * 1024;

export interface ProgramOutputsOptions {
  ffmpegPath: string;
  publisher?: PublisherOptions;
  /** Destinations connect at once but publish only once this resolves (the encoder works). */
  publishGate?: Promise<void>;
}

interface ProgramOutputsEvents {
  destinationState: [id: string, state: DestinationState, error: UplinkError | undefined];
  /** The recording failed by itself (disk full, too slow); the stream goes on. */
  recordingFailed: [UplinkError];
}

/**
 * Where the program's tags go: one Destination per server and the recording, each with its own bounded
 * queue, so that nothing downstream can slow the encoder or another output. Outputs come and go while
 * the program runs; each new one starts from the stream's current headers.
 */
export class ProgramOutputs extends EventEmitter<ProgramOutputsEvents> {
  readonly headers = new StreamHeaderCache();
  readonly destinations = new Map<string, { target: RtmpTarget; destination: Destination }>();
  private recorder: Recorder | undefined;
  private readonly log = new Logger('outputs');
  private gop: FlvTag[] = [];
  private gopBytes = 0;

  constructor(private readonly options: ProgramOutputsOptions) {
    super();
  }

  get recording(): Recorder | undefined {
    return this.recorder;
  }

  /** Hands one tag to every output. Headers repeated unchanged (after an encoder restart) are not passed on. */
  push(tag: FlvTag): void {
    const tagClass = classifyTag(tag);
    if (tagClass === 'header' && !this.headers.update(tag)) return;
    this.keepCurrentGop(tag, tagClass);
    for (const { destination } of this.destinations.values()) destination.push(tag);
    this.recorder?.push(tag);
  }

  /**
   * The tags since the latest keyframe, so that a recording started while the program runs begins at
   * once from that keyframe instead of waiting up to a keyframe interval for the next one. Destinations
   * are not given them: media seconds old would sit in their queues and read as congestion.
   */
  private keepCurrentGop(tag: FlvTag, tagClass: TagClass): void {
    if (tagClass === 'keyframe') {
      this.gop = [];
      this.gopBytes = 0;
    } else if (this.gop.length === 0 || tagClass === 'header') {
      return;
    }
    if (this.gopBytes + tag.data.length > GOP_MAX_BYTES) {
      // A GOP this large is not worth keeping: a recording started now waits for the next keyframe.
      this.gop = [];
      this.gopBytes = 0;
      return;
    }
    // Our own copy: the tag's bytes may be a view into a reader chunk that is reused.
    this.gop.push({ ...tag, data: Buffer.from(tag.data) });
    this.gopBytes += tag.data.length;
  }

  /** Adds a destination; it connects at once and joins the program at the next keyframe. */
  addDestination(target: RtmpTarget, id: string = randomUUID()): string {
    const destination = new Destination(target, { headers: this.headers, publisher: this.options.publisher, publishGate: this.options.publishGate });
    destination.on('state', (state, error) => this.emit('destinationState', id, state, error));
    this.destinations.set(id, { target, destination });
    destination.start();
    return id;
  }

  async removeDestination(id: string): Promise<void> {
    const entry = this.destinations.get(id);
    if (!entry) return;
    this.destinations.delete(id);
    await entry.destination.stop();
  }

  /** Creates the file at once (a path that cannot be written fails here, before anything starts) and records from the next keyframe. */
  async startRecording(file: string, format: RecordingFormat = formatForFile(file)): Promise<void> {
    if (this.recorder) throw new UplinkError('ALREADY_RECORDING', `already recording to ${this.recorder.file}: stop that recording first`);
    const recorder = new Recorder({ ffmpegPath: this.options.ffmpegPath, file, format, headers: this.headers });
    recorder.on('error', (err) => {
      this.log.warn(`recording failed: ${err.message}`);
      if (this.recorder === recorder) this.recorder = undefined;
      this.emit('recordingFailed', err);
    });
    await recorder.start();
    this.recorder = recorder;
    for (const tag of this.gop) recorder.push(tag);
  }

  async stopRecording(): Promise<RecordingResult | undefined> {
    const recorder = this.recorder;
    this.recorder = undefined;
    return recorder?.stop();
  }

  /** Unpublishes every destination and finishes the recording. */
  async stop(): Promise<RecordingResult | undefined> {
    const [, recording] = await Promise.all([
      Promise.allSettled([...this.destinations.values()].map(({ destination }) => destination.stop())),
      this.stopRecording().catch(() => undefined),
    ]);
    return recording;
  }
}

/** .mp4 records fragmented MP4, .flv FLV; anything else Matroska. All stay playable when Uplink crashes. */
export function formatForFile(file: string): RecordingFormat {
  const lower = file.toLowerCase();
  return lower.endsWith('.mp4') ? 'fmp4' : lower.endsWith('.flv') ? 'flv' : 'mkv';
}
