import type { Command } from 'commander';
import { discoverDevicesWithWarnings } from '../../engine/capture/discover.js';
import type { CaptureDevice } from '../../engine/capture/types.js';
import { cliContext, printJson } from '../context.js';

export function registerDevices(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('devices')
    .description('list cameras, capture cards, microphones and screens, with the ids `uplink stream` takes')
    .option('--json', 'print JSON')
    .option('--formats', 'also ask each camera for its sizes and frame rates (slower; may light the camera)')
    .action(async (options: { json?: boolean; formats?: boolean }, command: Command) => {
      const ffmpeg = await cliContext(command).ffmpeg();
      const { devices, warnings } = await discoverDevicesWithWarnings({ ffmpegPath: ffmpeg.path, probeFormats: options.formats });
      for (const warning of warnings) process.stderr.write(`uplink: ${warning}\n`);
      if (options.json) printJson({ devices, warnings });
      else process.stdout.write(formatDevices(devices));
      setExitCode(0);
    });
}

const HEADINGS: Record<CaptureDevice['kind'], string> = { video: 'Cameras and capture cards', audio: 'Audio inputs', screen: 'Screens' };

function formatDevices(devices: readonly CaptureDevice[]): string {
  const lines: string[] = [];
  for (const kind of ['video', 'audio', 'screen'] as const) {
    const ofKind = devices.filter((d) => d.kind === kind);
    lines.push(`${HEADINGS[kind]}:`);
    if (ofKind.length === 0) lines.push('  (none found)');
    for (const device of ofKind) {
      const note = device.monitor ? ' (desktop audio)' : '';
      lines.push(`  ${device.name}${note}`, `    id: ${device.id}`);
      const sizes = [...new Set((device.formats ?? []).map((f) => `${f.width}x${f.height}`))];
      if (sizes.length > 0) lines.push(`    sizes: ${sizes.slice(0, 8).join(' ')}${sizes.length > 8 ? ' ...' : ''}`);
    }
  }
  lines.push('', 'Also: test (test pattern), tone, silence, color:NAME, or a media file path.');
  return `${lines.join('\n')}\n`;
}
