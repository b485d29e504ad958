import { stat } from 'node:fs/promises';
import { UplinkError } from '../../engine/errors.js';
import { COLLECTION_FILE } from '../../engine/profile/collection-file.js';
import { readCollection } from '../../engine/profile/profile.js';
import { readVersionedFile } from '../../engine/profile/versioned-file.js';
import type { Collection } from '../../engine/scenes/model.js';
import { formatImportReport, importObsCollection } from '../../engine/scenes/obs-import.js';
import { fileSizes, readObsFile } from './import-obs.js';

/**
 * A scene collection named on the command line, in either format: an Uplink profile folder or its
 * collection.json (migrated when older), or an OBS scene collection, imported on the fly (`report` says
 * what could not be imported as it is).
 */
export async function readScenes(path: string): Promise<{ collection: Collection; report: string[] }> {
  const info = await stat(path).catch(() => {
    throw new UplinkError('FILE_UNREADABLE', `--scenes ${path}: no such file or folder`);
  });
  if (info.isDirectory()) {
    const read = await readCollection(path);
    if (!read) throw new UplinkError('FILE_UNREADABLE', `--scenes ${path}: this folder has no collection.json (make one with uplink import-obs)`);
    return { collection: read.value, report: [] };
  }
  const json = await readObsFile(path);
  if (typeof json === 'object' && json !== null && 'version' in json && 'canvas' in json) {
    const read = await readVersionedFile(path, COLLECTION_FILE);
    return { collection: read!.value, report: [] };
  }
  const imported = importObsCollection(json, { sourceSizes: await fileSizes(json) });
  return { collection: imported.collection, report: formatImportReport(imported.report).filter((line) => !/^\s*$/.test(line)) };
}
