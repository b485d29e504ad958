/**
 * General, config and UI requests: what Uplink is, its canvas, profile and stream service. Where Uplink
 * has no such thing (hotkeys exposed to clients, projector monitors, several profiles) the answer is an
 * empty list or the one thing there is, never an error: clients ask for these at every connect.
 */
import { readFileSync, statfsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { release, type as osType } from 'node:os';
import type { DestinationInput, ServiceId, ServicePreset } from '../../contract.js';
import { packageRoot } from '../../engine/paths.js';
import { OBS_WEBSOCKET_VERSION, RPC_VERSION, RequestStatus } from './protocol.js';
import type { RequestTable } from './context.js';
import { Fields, fail } from './fields.js';

let version: string | undefined;
function uplinkVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}

/** OBS's frame rate as a fraction: 30 -> 30/1, 29.97 -> 30000/1001. */
export function fpsFraction(fps: number): { fpsNumerator: number; fpsDenominator: number } {
  if (Number.isInteger(fps)) return { fpsNumerator: fps, fpsDenominator: 1 };
  const ntsc = Math.round(fps * 1001) / 1000;
  if (Number.isInteger(ntsc)) return { fpsNumerator: ntsc * 1000, fpsDenominator: 1001 };
  return { fpsNumerator: Math.round(fps * 1000), fpsDenominator: 1000 };
}

/** OBS's rtmp_common service names for Uplink's presets. */
const OBS_SERVICE_NAMES: Record<Exclude<ServiceId, 'custom'>, string[]> = {
  twitch: ['Twitch'],
  youtube: ['YouTube - RTMPS', 'YouTube - RTMP', 'YouTube - HLS', 'YouTube / YouTube Gaming'],
  facebook: ['Facebook Live'],
  kick: ['Kick'],
};

function serviceForObsName(name: string): Exclude<ServiceId, 'custom'> | undefined {
  const lower = name.toLowerCase();
  return (Object.keys(OBS_SERVICE_NAMES) as Array<Exclude<ServiceId, 'custom'>>).find((id) => OBS_SERVICE_NAMES[id].some((n) => n.toLowerCase() === lower));
}

function freeDiskMb(folder: string): number {
  try {
    const fs = statfsSync(folder);
    return (fs.bavail * fs.bsize) / (1024 * 1024);
  } catch {
    return 0;
  }
}

export const generalRequests = {
  async GetVersion(ctx) {
    const platform = ctx.platform === 'linux' ? 'ubuntu' : ctx.platform;
    return {
      obsVersion: uplinkVersion(),
      obsWebSocketVersion: OBS_WEBSOCKET_VERSION,
      rpcVersion: RPC_VERSION,
      availableRequests: ctx.availableRequests(),
      supportedImageFormats: ['jpg', 'jpeg'],
      platform,
      platformDescription: `Uplink ${uplinkVersion()} on ${osType()} ${release()}`,
    };
  },

  async GetStats(ctx) {
    const stats = ctx.outputs.stats;
    const state = await ctx.state();
    const fps = stats?.encoder.fps ?? state.scenes?.collection.canvas.fps ?? state.encoding.fps;
    const made = stats === undefined ? 0 : Math.round(stats.mediaSec * state.encoding.fps);
    const cpu = stats === undefined ? 0 : stats.cpu.uplinkPercent + (stats.cpu.ffmpegPercent ?? 0);
    return {
      cpuUsage: cpu,
      memoryUsage: process.memoryUsage().rss / (1024 * 1024),
      availableDiskSpace: freeDiskMb(state.recordingSettings.folder ?? ctx.port.recordingsDir),
      activeFps: fps,
      averageFrameRenderTime: 0,
      // OBS's render thread is Uplink's compositor: its ticks missed for lag, as OBS's "rendering lag".
      renderSkippedFrames: stats?.rendering?.framesLagged ?? 0,
      renderTotalFrames: stats?.rendering?.framesTotal ?? made,
      outputSkippedFrames: stats?.encoder.droppedFrames ?? 0,
      outputTotalFrames: made,
      // The session counts its own messages and fills these in (session.ts).
      webSocketSessionIncomingMessages: 0,
      webSocketSessionOutgoingMessages: 0,
    };
  },

  async GetHotkeyList() {
    return { hotkeys: [] };
  },

  async GetStudioModeEnabled() {
    return { studioModeEnabled: false };
  },

  /** Uplink has no studio mode: turning it off is already done, turning it on cannot be. */
  async SetStudioModeEnabled(_ctx, f) {
    if (f.boolean('studioModeEnabled')) fail(RequestStatus.InvalidResourceState, 'Uplink has no studio mode: scenes go on air directly (with the transition).');
    return undefined;
  },

  async TriggerStudioModeTransition() {
    fail(RequestStatus.StudioModeNotActive, 'Studio mode is not active.');
  },

  async GetMonitorList() {
    // Monitors are for OBS's projectors, which Uplink does not have.
    return { monitors: [] };
  },

  async GetProfileList(ctx) {
    const name = basename(ctx.port.profileDir) || 'Uplink';
    return { currentProfileName: name, profiles: [name] };
  },

  async GetSceneCollectionList(ctx) {
    const name = basename(ctx.port.profileDir) || 'Uplink';
    return { currentSceneCollectionName: name, sceneCollections: [name] };
  },

  async GetVideoSettings(ctx) {
    const state = await ctx.state();
    const canvas = state.scenes?.collection.canvas ?? state.encoding;
    return { ...fpsFraction(canvas.fps), baseWidth: canvas.width, baseHeight: canvas.height, outputWidth: state.encoding.width, outputHeight: state.encoding.height };
  },

  async GetRecordDirectory(ctx) {
    const state = await ctx.state();
    return { recordDirectory: state.recordingSettings.folder ?? ctx.port.recordingsDir };
  },

  /** The recording folder of Settings; a remote client may choose one inside the profile's folders only. */
  async SetRecordDirectory(ctx, f) {
    await ctx.port.commands.setRecordingSettings({ folder: f.string('recordDirectory') });
    return undefined;
  },

  /** Uplink's first destination as OBS's stream service; its key is never sent back (it can be set). */
  async GetStreamServiceSettings(ctx) {
    const state = await ctx.state();
    const first = state.destinations[0];
    if (first === undefined) return { streamServiceType: 'rtmp_custom', streamServiceSettings: { server: '', use_auth: false, bwtest: false } };
    if (first.service === 'custom') return { streamServiceType: 'rtmp_custom', streamServiceSettings: { server: first.serverUrl ?? '', use_auth: false, bwtest: false } };
    const presets = await ctx.port.commands.listServices();
    const preset = presets.find((p) => p.id === first.service);
    const server = preset?.servers.find((s) => s.id === (first.serverId ?? preset.defaultServer));
    return { streamServiceType: 'rtmp_common', streamServiceSettings: { service: OBS_SERVICE_NAMES[first.service][0], server: server?.url ?? 'auto', bwtest: false } };
  },

  async SetStreamServiceSettings(ctx, f) {
    const type = f.string('streamServiceType');
    const settings = new Fields(f.object('streamServiceSettings'));
    const key = settings.optionalString('key');
    let input: DestinationInput;
    if (type === 'rtmp_custom') {
      const server = settings.string('server');
      input = { name: 'Custom server', service: 'custom', serverUrl: server };
    } else if (type === 'rtmp_common') {
      const name = settings.string('service');
      const service = serviceForObsName(name);
      if (service === undefined) {
        const known = Object.values(OBS_SERVICE_NAMES).flat().join(', ');
        fail(RequestStatus.InvalidRequestField, `Uplink has no preset for the service \`${name}\`: use one of ${known}, or rtmp_custom with the server's URL.`);
      }
      const presets: ServicePreset[] = await ctx.port.commands.listServices();
      const preset = presets.find((p) => p.id === service);
      const server = settings.optionalString('server');
      const chosen = server === undefined || server === 'auto' ? undefined : preset?.servers.find((s) => s.url === server || s.id === server);
      if (server !== undefined && server !== 'auto' && chosen === undefined) {
        fail(RequestStatus.InvalidRequestField, `\`${server}\` is not one of ${preset?.name ?? name}'s servers: use auto, one of its server URLs, or rtmp_custom.`);
      }
      input = { name: preset?.name ?? name, service, ...(chosen === undefined ? {} : { serverId: chosen.id }) };
    } else {
      fail(RequestStatus.InvalidRequestField, `Uplink streams over RTMP: \`streamServiceType\` must be rtmp_custom or rtmp_common (got \`${type}\`).`);
    }
    if (key !== undefined) input.streamKey = key;
    const state = await ctx.state();
    const first = state.destinations[0];
    if (first === undefined) await ctx.port.commands.addDestination(input);
    else await ctx.port.commands.updateDestination(first.id, input.service === 'custom' ? input : { ...input, serverUrl: undefined, serverId: input.serverId });
    return undefined;
  },
} satisfies RequestTable;

