/** Small display helpers shared by the panels. */
import { recordingName } from '../../electron/contract.js';

const two = (n: number): string => String(n).padStart(2, '0');

/** `recording-YYYYMMDD-HHMMSS.mkv` in local time, the extension the recording format's: the name the engine gives too. */
export const defaultRecordingName = recordingName;

/** `1:02:03`, or `02:03` under an hour. */
export function formatDuration(totalSec: number): string {
  const s = Math.max(0, Math.floor(totalSec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${two(m)}:${two(s % 60)}`;
}

export function formatKbps(kbps: number | null | undefined): string {
  if (kbps === null || kbps === undefined || !Number.isFinite(kbps)) return '—';
  return kbps >= 10_000 ? `${(kbps / 1000).toFixed(1)} Mb/s` : `${Math.round(kbps)} kb/s`;
}

export function formatDb(db: number): string {
  if (!Number.isFinite(db) || db <= -100) return '-∞ dB';
  return `${db > 0 ? '+' : ''}${db.toFixed(1)} dB`;
}

/** The meter's range: below -60 dBFS a bar is empty, as on OBS's mixer. */
export const METER_FLOOR_DB = -60;

/** 0..1 for a meter bar. */
export function meterFraction(db: number): number {
  if (!Number.isFinite(db) || db <= METER_FLOOR_DB) return 0;
  return Math.min(1, (db - METER_FLOOR_DB) / -METER_FLOOR_DB);
}
