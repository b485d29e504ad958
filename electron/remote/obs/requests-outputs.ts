/**
 * The stream, the recording and OBS's outputs list. The stream is every enabled destination (Go Live),
 * the recording a file named by date in the recordings folder, as OBS names its own. Uplink has no
 * replay buffer or virtual camera: they are reported as not active, not as errors.
 */
import { RequestStatus } from './protocol.js';
import type { ObsContext, RequestTable } from './context.js';
import { fail } from './fields.js';
import type { ObsData } from './types.js';

/** OBS's output names in simple mode, which clients look for. */
const STREAM_OUTPUT = 'simple_stream';
const RECORD_OUTPUT = 'simple_file_output';

const flags = (service: boolean): ObsData => ({
  OBS_OUTPUT_AUDIO: true,
  OBS_OUTPUT_VIDEO: true,
  OBS_OUTPUT_ENCODED: true,
  OBS_OUTPUT_MULTI_TRACK: false,
  OBS_OUTPUT_SERVICE: service,
});

async function streaming(ctx: ObsContext): Promise<boolean> {
  await ctx.state();
  return ctx.outputs.streamPhase !== 'stopped';
}

async function recording(ctx: ObsContext): Promise<{ active: boolean; file?: string }> {
  return (await ctx.state()).recording;
}

async function startStream(ctx: ObsContext): Promise<void> {
  if (await streaming(ctx)) fail(RequestStatus.OutputRunning, 'The stream output is already running.');
  await ctx.port.commands.goLive();
}

async function stopStream(ctx: ObsContext): Promise<void> {
  if (!(await streaming(ctx))) fail(RequestStatus.OutputNotRunning, 'The stream output is not running.');
  await ctx.port.commands.stopStream();
}

async function startRecord(ctx: ObsContext): Promise<void> {
  if ((await recording(ctx)).active) fail(RequestStatus.OutputRunning, 'The record output is already running.');
  // Without a name the studio names the file by date in its recordings folder, in the recording format set there.
  await ctx.port.commands.startRecording();
}

async function stopRecord(ctx: ObsContext): Promise<string> {
  const current = await recording(ctx);
  if (!current.active) fail(RequestStatus.OutputNotRunning, 'The record output is not running.');
  await ctx.port.commands.stopRecording();
  return current.file ?? '';
}

/** Uplink records without pauses (a recording is what went out, without holes). */
async function refusePause(ctx: ObsContext): Promise<undefined> {
  if (!(await recording(ctx)).active) fail(RequestStatus.OutputNotRunning, 'The record output is not running.');
  fail(RequestStatus.InvalidResourceState, 'Uplink cannot pause a recording: stop it and start a new one.');
}

export const outputRequests = {
  async GetOutputList(ctx) {
    const state = await ctx.state();
    return {
      outputs: [
        { outputName: STREAM_OUTPUT, outputKind: 'rtmp_output', outputWidth: state.encoding.width, outputHeight: state.encoding.height, outputActive: ctx.outputs.streamPhase !== 'stopped', outputFlags: flags(true) },
        { outputName: RECORD_OUTPUT, outputKind: 'ffmpeg_muxer', outputWidth: state.encoding.width, outputHeight: state.encoding.height, outputActive: state.recording.active, outputFlags: flags(false) },
      ],
    };
  },

  async GetOutputStatus(ctx, f) {
    const name = f.string('outputName');
    await ctx.state();
    if (name === STREAM_OUTPUT) return ctx.outputs.streamStatus();
    if (name === RECORD_OUTPUT) return ctx.outputs.recordStatus();
    fail(RequestStatus.ResourceNotFound, `No output was found by the name of \`${name}\`.`);
  },

  async GetStreamStatus(ctx) {
    await ctx.state();
    return ctx.outputs.streamStatus();
  },

  async StartStream(ctx) {
    await startStream(ctx);
    return undefined;
  },

  async StopStream(ctx) {
    await stopStream(ctx);
    return undefined;
  },

  async ToggleStream(ctx) {
    const active = await streaming(ctx);
    if (active) await stopStream(ctx);
    else await startStream(ctx);
    return { outputActive: !active };
  },

  async GetRecordStatus(ctx) {
    await ctx.state();
    return ctx.outputs.recordStatus();
  },

  async StartRecord(ctx) {
    await startRecord(ctx);
    return undefined;
  },

  async StopRecord(ctx) {
    return { outputPath: await stopRecord(ctx) };
  },

  async ToggleRecord(ctx) {
    const active = (await recording(ctx)).active;
    if (active) await stopRecord(ctx);
    else await startRecord(ctx);
    return { outputActive: !active };
  },

  async PauseRecord(ctx) {
    return refusePause(ctx);
  },

  async ResumeRecord(ctx) {
    return refusePause(ctx);
  },

  async ToggleRecordPause(ctx) {
    return refusePause(ctx);
  },

  async GetReplayBufferStatus() {
    return { outputActive: false };
  },

  async GetVirtualCamStatus() {
    return { outputActive: false };
  },
} satisfies RequestTable;
