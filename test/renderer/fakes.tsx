/** Test doubles for the renderer: a channel that records what the client sends, and a studio snapshot. */
import type { Collection, CommandError, StudioState } from '../../electron/contract.js';
import { encodePreview } from '../../electron/contract-wire.js';
import type { Channel } from '../../renderer/src/client.js';

export class FakeChannel implements Channel {
  sent: Array<{ id: number; command: string; args: unknown[] }> = [];
  private message: Array<(data: string | ArrayBuffer) => void> = [];
  private close: Array<() => void> = [];
  private open: Array<() => void> = [];
  connected = true;
  /** Answers calls at once when set: return a value, or throw a CommandError-shaped object. */
  handler: ((command: string, args: unknown[]) => unknown) | null = null;

  constructor(private readonly reconnecting = false) {}

  sendText(text: string): void {
    if (!this.connected) throw new Error('not connected');
    const call = JSON.parse(text) as { id: number; command: string; args: unknown[] };
    this.sent.push(call);
    if (this.handler) {
      const handler = this.handler;
      queueMicrotask(() => {
        try {
          this.result(call.id, true, handler(call.command, call.args));
        } catch (err) {
          this.result(call.id, false, err as CommandError);
        }
      });
    }
  }
  onMessage(cb: (data: string | ArrayBuffer) => void): void {
    this.message.push(cb);
  }
  onClose(cb: () => void): void {
    this.close.push(cb);
  }
  get onOpen(): ((cb: () => void) => void) | undefined {
    return this.reconnecting ? (cb) => void this.open.push(cb) : undefined;
  }

  result(id: number, ok: boolean, valueOrError: unknown): void {
    const msg = ok ? { type: 'result', id, ok, value: valueOrError } : { type: 'result', id, ok, error: valueOrError };
    for (const cb of this.message) cb(JSON.stringify(msg));
  }
  event(event: string, payload: unknown): void {
    for (const cb of this.message) cb(JSON.stringify({ type: 'event', event, payload }));
  }
  preview(seq: number, jpeg: Uint8Array): void {
    const bytes = encodePreview(seq, jpeg);
    for (const cb of this.message) cb(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  }
  drop(): void {
    this.connected = false;
    for (const cb of this.close) cb();
  }
  reopen(): void {
    this.connected = true;
    for (const cb of this.open) cb();
  }
}

export function collection(): Collection {
  const crop = { top: 0, right: 0, bottom: 0, left: 0 };
  return {
    version: 2,
    canvas: { width: 1920, height: 1080, fps: 30 },
    sources: [
      { id: 'cam', name: 'Webcam', kind: 'video-device', settings: { device: null, role: 'camera' } },
      { id: 'mic', name: 'Mic', kind: 'audio-device', settings: { device: null, role: 'microphone' }, audio: { volumeDb: 0, muted: false } },
    ],
    scenes: [
      {
        id: 's1',
        name: 'Main',
        items: [
          { id: 'i1', sourceId: 'cam', x: 0, y: 0, width: 1920, height: 1080, crop, visible: true, locked: false },
          { id: 'i2', sourceId: 'mic', x: 0, y: 0, width: 0, height: 0, crop, visible: true, locked: false },
        ],
      },
      { id: 's2', name: 'BRB', items: [] },
    ],
    currentSceneId: 's1',
    transition: { kind: 'fade', durationMs: 300 },
  };
}

export function studioState(patch: Partial<StudioState> = {}): StudioState {
  return {
    revision: 1,
    phase: 'idle',
    recordingSettings: { folder: null, format: 'mkv' },
    video: 'test',
    audio: 'tone',
    encoding: {
      width: 1280,
      height: 720,
      fps: 30,
      videoBitrateKbps: 4500,
      keyframeIntervalSec: 2,
      encoder: 'libx264',
      preset: 'veryfast',
      profile: 'high',
      bFrames: 2,
      audioBitrateKbps: 160,
      audioSampleRate: 48000,
      audioChannels: 2,
    },
    dynamicBitrate: false,
    destinations: [],
    recording: { active: false },
    encoder: { running: false, restarts: 0 },
    scenes: { collection: collection(), programSceneId: 's1', sources: [] },
    ...patch,
  };
}
