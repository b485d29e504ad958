/**
 * The compositor's FFmpeg graph, compiled from a plan, and the filter commands that change it while it
 * runs. Pure: no processes, no sockets.
 *
 * The shape is a router, not one sub-graph per scene (see shared/notes/ffmpeg-live-compositing.md: composing
 * every scene makes cost grow with scenes nobody sees):
 *
 *   clock (16x16 frames from the relay) -> [zmq] -> pad to the canvas -> base of layer 0 / layer 1
 *   every video source -> yuva420p -> pad to the pool size -> split into one copy per slot
 *   slot i of layer l: streamselect@lLsI (which source) -> crop@lLsI -> scale@lLsI -> overlay@lLsI on the layer
 *   layer 0 + layer 1 -> blend@fade (disabled: layer 0 passes; a fade steps its opacity) -> program
 *   program -> rawvideo on stdout (the encoder's input) and -> preview
 *   bed (silence from the relay) + every audio source -> volume@aK -> amix -> volume@master -> program audio
 *   on a pipe (and the mix's meter, after the master fader)
 *
 * A scene is a set of slot states on one layer; switching scenes, moving, cropping or hiding an item are
 * commands on the slots, and slots a scene does not use are "parked" (cropped and scaled to 16x16 and
 * disabled), which costs next to nothing. Every source reaching a streamselect has the same size and
 * format (the pool), because streamselect keeps its output's size from when the graph was configured and
 * the crop after it would read outside a smaller frame.
 */
import { type FilterCommand, zmqFilter } from './control.js';
import type { Rect, Size } from './layout.js';

export const SAMPLE_RATE = 48_000;
export const CHANNELS = 2;
/** The relay's clock frames: the smallest yuv420p picture, black. */
export const CLOCK_SIZE = 16;

/** A parked slot draws nothing and costs nothing: a 16x16 corner, scaled to itself, overlay disabled. */
const PARK = 16;

export interface CanvasSpec {
  width: number;
  height: number;
  fps: number;
}

/** Where a source's picture or sound comes from: the relay (a live source in its own process) or the graph itself. */
export type Origin = { feed: true } | { feed: false; chain: string };

export interface VideoSourcePlan {
  sourceId: string;
  /** The size of the frames the compositor gets (a feed's delivered size, or what the chain makes). */
  size: Size;
  origin: Origin;
}

export interface AudioSourcePlan {
  sourceId: string;
  origin: Origin;
}

export interface SlotState {
  visible: boolean;
  /** Index into the plan's video sources. */
  source: number;
  /** The part of the source's frame drawn, in its frame's pixels. */
  crop: Rect;
  /** Where on the canvas. */
  box: Rect;
}

export interface CompositionState {
  /** Slot states of layer 0 (the program when no fade runs) and layer 1 (the scene faded to). */
  layers: [SlotState[], SlotState[]];
  /** Layer 0's weight in the program: 1 shows layer 0 alone. The blend is off at 1. */
  fadeOpacity: number;
  /** Linear gain per audio source, in plan order (0 when muted or not in the program scene). */
  gains: number[];
  /** Linear gain of the master fader, after the mix (0 when muted); absent: 1. */
  master?: number;
}

export interface GraphPlan {
  canvas: CanvasSpec;
  video: VideoSourcePlan[];
  audio: AudioSourcePlan[];
  slotsPerLayer: number;
  initial: CompositionState;
  control: { kind: 'zmq'; port: number } | { kind: 'stdin' };
  /** The preview chain (after a split of the program) and its output options; absent: no preview. */
  preview?: { chain: string; output: (label: string, fd: number) => { args: string[]; url: string } };
  /** The metering chain for one audio stream writing to `pipe:fd`; absent: no meters. */
  meter?: (fd: number) => string;
}

export type PipeRole =
  | { role: 'clock' }
  | { role: 'bed' }
  | { role: 'video'; sourceId: string }
  | { role: 'audio'; sourceId: string }
  | { role: 'program-audio' }
  | { role: 'preview' }
  | { role: 'meter'; sourceId: string | null };

export interface CompiledGraph {
  /** FFmpeg's arguments after the global ones: inputs, graph, outputs. The program picture is on stdout. */
  args: string[];
  /** The extra pipes in order: pipes[i] is FFmpeg's fd 3 + i. */
  pipes: PipeRole[];
}

/** The size every video source is padded to before the routers: the largest source. */
export function poolSize(video: readonly VideoSourcePlan[]): Size {
  return {
    width: Math.max(PARK, ...video.map((s) => s.size.width)),
    height: Math.max(PARK, ...video.map((s) => s.size.height)),
  };
}

export const PARKED: SlotState = { visible: false, source: 0, crop: { x: 0, y: 0, width: PARK, height: PARK }, box: { x: 0, y: 0, width: PARK, height: PARK } };

export function slotName(layer: number, slot: number): string {
  return `l${layer}s${slot}`;
}

export function gainName(index: number): string {
  return `a${index}`;
}

/** The master fader's volume filter, after the amix. */
export const MASTER_GAIN = 'master';

/**
 * Node's child pipes are socket pairs, so /dev/fd/N cannot be opened: inputs are `pipe:N`. FFmpeg 5.1 then
 * turns off its stdin commands (and 'q'), which is why the control channel is zmq.
 */
const inputPipe = (fd: number): string => `pipe:${fd}`;

/**
 * Raw inputs need no probing, and must not get any: FFmpeg opens inputs one after the other, and one that
 * waits for seconds of data before the next is opened would hold up the relay, which writes every lane on
 * each tick.
 */
const NO_PROBE = ['-probesize', '32', '-analyzeduration', '0'];

const rawVideoInput = (size: Size, fps: number, fd: number): string[] => [
  '-f', 'rawvideo', ...NO_PROBE, '-pix_fmt', 'yuv420p', '-video_size', `${size.width}x${size.height}`, '-framerate', String(fps),
  // A short queue: FFmpeg's input thread would otherwise swallow seconds of frames before the relay sees
  // backpressure, and every one of them would be a frame of delay.
  '-thread_queue_size', '4', '-i', inputPipe(fd),
];

const rawAudioInput = (fd: number): string[] => ['-f', 's16le', ...NO_PROBE, '-ar', String(SAMPLE_RATE), '-ac', String(CHANNELS), '-thread_queue_size', '8', '-i', inputPipe(fd)];

function checkSlots(plan: GraphPlan): void {
  for (const layer of plan.initial.layers) {
    if (layer.length !== plan.slotsPerLayer) throw new Error(`a layer has ${layer.length} slot states for ${plan.slotsPerLayer} slots`);
  }
  if (plan.initial.gains.length !== plan.audio.length) throw new Error('one gain per audio source');
}

export function compileGraph(plan: GraphPlan): CompiledGraph {
  checkSlots(plan);
  const { canvas } = plan;
  const pipes: PipeRole[] = [];
  const open = (role: PipeRole): number => pipes.push(role) + 2;
  const args: string[] = [];
  let inputs = 0;
  const input = (argv: string[]): number => {
    args.push(...argv);
    return inputs++;
  };

  const clockInput = input(rawVideoInput({ width: CLOCK_SIZE, height: CLOCK_SIZE }, canvas.fps, open({ role: 'clock' })));
  const bedInput = input(rawAudioInput(open({ role: 'bed' })));
  const videoFrom = plan.video.map((source) =>
    source.origin.feed ? `[${input(rawVideoInput(source.size, canvas.fps, open({ role: 'video', sourceId: source.sourceId })))}:v]` : `${source.origin.chain},`,
  );
  const audioFrom = plan.audio.map((source) =>
    source.origin.feed ? `[${input(rawAudioInput(open({ role: 'audio', sourceId: source.sourceId })))}:a]` : `${source.origin.chain},`,
  );

  const chains: string[] = [];
  const control = plan.control.kind === 'zmq' ? `${zmqFilter(plan.control.port)},` : '';
  chains.push(`[${clockInput}:v]${control}split=2[clock0][clock1]`);
  for (const layer of [0, 1]) chains.push(`[clock${layer}]pad=${canvas.width}:${canvas.height}:0:0:black[base${layer}_0]`);

  // Every source, made alike and copied once per slot; slots of both layers can show any source.
  const pool = poolSize(plan.video);
  const copies = 2 * plan.slotsPerLayer;
  plan.video.forEach((source, k) => {
    const pad = source.size.width === pool.width && source.size.height === pool.height ? '' : `,pad=${pool.width}:${pool.height}:0:0:black@0`;
    const outs = Array.from({ length: copies }, (_, c) => `[v${k}_${c}]`).join('');
    chains.push(`${videoFrom[k]}format=yuva420p${pad},split=${copies}${outs}`);
  });

  for (const layer of [0, 1] as const) {
    plan.initial.layers[layer].forEach((slot, i) => {
      const name = slotName(layer, i);
      const copy = layer * plan.slotsPerLayer + i;
      const ins = plan.video.map((_, k) => `[v${k}_${copy}]`).join('');
      const { crop, box } = slot.visible ? slot : PARKED;
      chains.push(
        `${ins}streamselect@${name}=inputs=${plan.video.length}:map=${slot.source},` +
          `crop@${name}=w=${crop.width}:h=${crop.height}:x=${crop.x}:y=${crop.y},` +
          `scale@${name}=w=${box.width}:h=${box.height}[${name}]`,
      );
      chains.push(
        `[base${layer}_${i}][${name}]overlay@${name}=x=${box.x}:y=${box.y}:enable=${slot.visible ? 1 : 0}[base${layer}_${i + 1}]`,
      );
    });
  }
  const top = plan.slotsPerLayer;
  const opacity = plan.initial.fadeOpacity;
  chains.push(`[base0_${top}][base1_${top}]blend@fade=all_mode=normal:all_opacity=${opacity}:enable=${opacity < 1 ? 1 : 0}[program]`);

  // -flush_packets: every picture and every piece of sound leaves at once; an output buffer would hold
  // the program's sound back by a tenth of a second, and the picture waits for its sound.
  const outputs: string[] = ['-map', '[video]', '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', '-f', 'rawvideo', '-flush_packets', '1', 'pipe:1'];
  if (plan.preview) {
    chains.push(`[program]split=2[video][preview_in]`, `[preview_in]${plan.preview.chain}[preview]`);
  } else {
    chains.push(`[program]null[video]`);
  }

  const mixInputs = ['[bed]'];
  chains.push(`[${bedInput}:a]aformat=sample_fmts=fltp:sample_rates=${SAMPLE_RATE}:channel_layouts=stereo[bed]`);
  plan.audio.forEach((source, k) => {
    const gain = `${audioFrom[k]}aformat=sample_fmts=fltp:sample_rates=${SAMPLE_RATE}:channel_layouts=stereo,volume@${gainName(k)}=volume=${plan.initial.gains[k]}:precision=float`;
    if (plan.meter) {
      chains.push(`${gain},asplit=2[mix${k}][meter${k}]`, `[meter${k}]${plan.meter(open({ role: 'meter', sourceId: source.sourceId }))}`);
    } else {
      chains.push(`${gain}[mix${k}]`);
    }
    mixInputs.push(`[mix${k}]`);
  });
  // normalize=0: a source's level does not drop because another is in the mix (a mixer, not an average).
  const mix =
    `${mixInputs.join('')}amix=inputs=${mixInputs.length}:duration=first:dropout_transition=0:normalize=0,` +
    `volume@${MASTER_GAIN}=volume=${plan.initial.master ?? 1}:precision=float`;
  if (plan.meter) {
    chains.push(`${mix},asplit=2[audio][meter_mix]`, `[meter_mix]${plan.meter(open({ role: 'meter', sourceId: null }))}`);
  } else {
    chains.push(`${mix}[audio]`);
  }

  const programAudio = open({ role: 'program-audio' });
  outputs.push('-map', '[audio]', '-c:a', 'pcm_s16le', '-ar', String(SAMPLE_RATE), '-ac', String(CHANNELS), '-f', 's16le', '-flush_packets', '1', `pipe:${programAudio}`);
  if (plan.preview) {
    const preview = plan.preview.output('preview', open({ role: 'preview' }));
    outputs.push(...preview.args, preview.url);
  }

  return { args: [...args, '-filter_complex', chains.join(';'), ...outputs], pipes };
}


function sameRect(a: Rect, b: Rect): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

/**
 * The commands that take one slot from `prev` to `next`: only what changed, so that a scene switch sends
 * no more than the items that differ. A slot being hidden is parked.
 */
export function slotCommands(layer: number, slot: number, prev: SlotState, next: SlotState): FilterCommand[] {
  const name = slotName(layer, slot);
  const commands: FilterCommand[] = [];
  const from = prev.visible ? prev : PARKED;
  const to = next.visible ? next : PARKED;
  if (next.visible && (!prev.visible || prev.source !== next.source)) commands.push({ target: `streamselect@${name}`, command: 'map', arg: next.source });
  if (!sameRect(from.crop, to.crop)) {
    // Size first: crop clamps its position to the frame for the size it has.
    for (const [command, value] of [['w', to.crop.width], ['h', to.crop.height], ['x', to.crop.x], ['y', to.crop.y]] as const) {
      if (value !== from.crop[command === 'w' ? 'width' : command === 'h' ? 'height' : command]) commands.push({ target: `crop@${name}`, command, arg: value });
    }
  }
  if (from.box.width !== to.box.width) commands.push({ target: `scale@${name}`, command: 'w', arg: to.box.width });
  if (from.box.height !== to.box.height) commands.push({ target: `scale@${name}`, command: 'h', arg: to.box.height });
  if (from.box.x !== to.box.x) commands.push({ target: `overlay@${name}`, command: 'x', arg: to.box.x });
  if (from.box.y !== to.box.y) commands.push({ target: `overlay@${name}`, command: 'y', arg: to.box.y });
  if (prev.visible !== next.visible) commands.push({ target: `overlay@${name}`, command: 'enable', arg: next.visible ? 1 : 0 });
  return commands;
}

/** Everything that takes the running graph from `prev` to `next`, as one batch (it lands on one frame). */
export function stateCommands(prev: CompositionState, next: CompositionState): FilterCommand[] {
  const commands: FilterCommand[] = [];
  for (const layer of [0, 1] as const) {
    next.layers[layer].forEach((slot, i) => commands.push(...slotCommands(layer, i, prev.layers[layer][i] ?? PARKED, slot)));
  }
  if (prev.fadeOpacity !== next.fadeOpacity) {
    if (next.fadeOpacity < 1) commands.push({ target: 'blend@fade', command: 'all_opacity', arg: round(next.fadeOpacity) });
    if ((prev.fadeOpacity < 1) !== (next.fadeOpacity < 1)) commands.push({ target: 'blend@fade', command: 'enable', arg: next.fadeOpacity < 1 ? 1 : 0 });
  }
  next.gains.forEach((gain, k) => {
    if (gain !== prev.gains[k]) commands.push({ target: `volume@${gainName(k)}`, command: 'volume', arg: round(gain) });
  });
  if ((next.master ?? 1) !== (prev.master ?? 1)) commands.push({ target: `volume@${MASTER_GAIN}`, command: 'volume', arg: round(next.master ?? 1) });
  return commands;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
