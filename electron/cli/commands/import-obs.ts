import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UplinkError, errorMessage } from '../../engine/errors.js';
import { collectionPath, writeCollection } from '../../engine/profile/profile.js';
import { obsFileSizes } from '../../engine/profile/obs-file-sizes.js';
import type { Canvas } from '../../engine/scenes/model.js';
import { canvasFromBasicIni, formatImportReport, importObsCollection } from '../../engine/scenes/obs-import.js';

interface ImportObsOptions {
  out?: string;
  canvas?: string;
}

export function registerImportObs(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('import-obs')
    .description('turn an OBS Studio scene collection (.json) into an Uplink profile, and say what could not be imported as it is')
    .argument('<file>', 'the OBS scene collection (OBS: Scene Collection → Export, or basic/scenes/NAME.json)')
    .option('--out <profile>', 'the profile folder to write (default: a folder next to FILE, named after it)')
    .option('--canvas <size>', "the canvas: WIDTHxHEIGHT, or the OBS profile's basic.ini (default 1920x1080)")
    .action(async (file: string, options: ImportObsOptions) => {
      const input = await readObsFile(file);
      const canvas = options.canvas === undefined ? undefined : await canvasOption(options.canvas);
      let imported;
      try {
        imported = importObsCollection(input, { ...(canvas ? { canvas } : {}), sourceSizes: await fileSizes(input) });
      } catch (err) {
        if (err instanceof UplinkError && err.code === 'NOT_OBS_COLLECTION') throw new UplinkError(err.code, `${file}: ${err.message}`);
        throw err;
      }
      const profile = resolve(options.out ?? join(dirname(file), basename(file, extname(file))));
      const replaced = existsSync(collectionPath(profile));
      await writeCollection(profile, imported.collection);
      for (const line of formatImportReport(imported.report)) process.stdout.write(`${line}\n`);
      process.stderr.write(`uplink: wrote ${collectionPath(profile)}${replaced ? ` (the previous one is kept as ${basename(collectionPath(profile))}.bak)` : ''}\n`);
      setExitCode(0);
    });
}

export async function readObsFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UplinkError('FILE_UNREADABLE', `cannot read ${file}: ${errorMessage(err)}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UplinkError('NOT_OBS_COLLECTION', `${file} is not an OBS scene collection (not JSON): export one from OBS with Scene Collection → Export`);
  }
}

async function canvasOption(value: string): Promise<Canvas> {
  const size = /^(\d+)x(\d+)$/.exec(value);
  if (size) {
    const width = Number(size[1]);
    const height = Number(size[2]);
    if (width < 16 || height < 16 || width > 8192 || height > 8192) throw new UplinkError('INVALID_ARGUMENT', `--canvas ${value}: give a size between 16x16 and 8192x8192`);
    return { width, height, fps: 30 };
  }
  const text = await readFile(value, 'utf8').catch(() => {
    throw new UplinkError('INVALID_ARGUMENT', `--canvas ${value}: give WIDTHxHEIGHT or the path of an OBS basic.ini`);
  });
  return canvasFromBasicIni(text);
}

/** OBS does not save the size of images and media files: read it from the files that are here. */
export const fileSizes = obsFileSizes;
