// What arrived at a server: ffprobe's view of a recorded file, reduced to what the RTMP tests compare
// (streams, every packet's timing and key flag, duration).

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProbedStream {
  index: number;
  codecType: 'video' | 'audio' | 'data';
  codecName: string;
  width?: number;
  height?: number;
  frameRate?: number;
  sampleRate?: number;
  channels?: number;
}

export interface ProbedPacket {
  streamIndex: number;
  codecType: 'video' | 'audio';
  ptsMs: number;
  dtsMs: number;
  key: boolean;
  size: number;
}

export interface ProbeResult {
  streams: ProbedStream[];
  /** Audio and video packets in file order (data packets are left out). */
  packets: ProbedPacket[];
  durationSec: number;
  /** ffprobe's format_name, e.g. 'flv'. */
  format: string;
}

/** The subset of ffprobe's JSON that we read; everything is optional because ffprobe omits unknowns. */
interface RawProbe {
  streams?: Array<{
    index?: number;
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    sample_rate?: string;
    channels?: number;
    time_base?: string;
  }>;
  packets?: Array<{
    codec_type?: string;
    stream_index?: number;
    pts?: number;
    dts?: number;
    size?: string;
    flags?: string;
  }>;
  format?: { format_name?: string; duration?: string };
}

/** "30/1" -> 30; "0/0" or garbage -> undefined. */
function ratio(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const [num, den] = text.split('/').map(Number);
  if (num === undefined || !Number.isFinite(num)) return undefined;
  if (den === undefined) return num;
  if (!Number.isFinite(den) || den === 0 || num === 0) return undefined;
  return num / den;
}

function streamType(type: string | undefined): ProbedStream['codecType'] {
  return type === 'video' || type === 'audio' ? type : 'data';
}

export async function probeFile(file: string): Promise<ProbeResult> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_packets', '-show_format', '-of', 'json', file], {
    maxBuffer: 256 * 1024 * 1024,
  });
  const raw = JSON.parse(stdout) as RawProbe;

  const timeBaseMs = new Map<number, number>();
  const streams: ProbedStream[] = (raw.streams ?? []).map((s, position) => {
    const index = s.index ?? position;
    timeBaseMs.set(index, (ratio(s.time_base) ?? 0.001) * 1000);
    const stream: ProbedStream = { index, codecType: streamType(s.codec_type), codecName: s.codec_name ?? 'unknown' };
    if (s.width !== undefined) stream.width = s.width;
    if (s.height !== undefined) stream.height = s.height;
    const frameRate = ratio(s.avg_frame_rate) ?? ratio(s.r_frame_rate);
    if (stream.codecType === 'video' && frameRate !== undefined) stream.frameRate = frameRate;
    if (s.sample_rate !== undefined) stream.sampleRate = Number(s.sample_rate);
    if (s.channels !== undefined) stream.channels = s.channels;
    return stream;
  });

  const packets: ProbedPacket[] = [];
  for (const p of raw.packets ?? []) {
    if (p.codec_type !== 'video' && p.codec_type !== 'audio') continue;
    const streamIndex = p.stream_index ?? 0;
    const scale = timeBaseMs.get(streamIndex) ?? 1;
    // A missing timestamp takes the other one: FLV always has dts, pts is dts + composition time.
    const dts = p.dts ?? p.pts ?? 0;
    const pts = p.pts ?? dts;
    packets.push({
      streamIndex,
      codecType: p.codec_type,
      ptsMs: pts * scale,
      dtsMs: dts * scale,
      key: (p.flags ?? '').includes('K'),
      size: Number(p.size ?? 0),
    });
  }

  return {
    streams,
    packets,
    durationSec: Number(raw.format?.duration ?? 0) || 0,
    format: raw.format?.format_name ?? 'unknown',
  };
}

export function packetsOf(result: ProbeResult, type: 'video' | 'audio'): ProbedPacket[] {
  return result.packets.filter((packet) => packet.codecType === type);
}

/** Whether dts never goes backwards (pass one track's packets). */
export function isMonotonic(packets: ProbedPacket[]): boolean {
  for (let i = 1; i < packets.length; i++) {
    const previous = packets[i - 1];
    const current = packets[i];
    if (previous !== undefined && current !== undefined && current.dtsMs < previous.dtsMs) return false;
  }
  return true;
}

/** Seconds between consecutive keyframes (by pts) of the given packets. */
export function keyframeIntervalsSec(packets: ProbedPacket[]): number[] {
  const keyTimes = packets.filter((packet) => packet.key).map((packet) => packet.ptsMs);
  const intervals: number[] = [];
  for (let i = 1; i < keyTimes.length; i++) {
    const previous = keyTimes[i - 1];
    const current = keyTimes[i];
    if (previous !== undefined && current !== undefined) intervals.push((current - previous) / 1000);
  }
  return intervals;
}
