import type { CaptureDevice } from './types.js';

/**
 * ALSA capture devices from `arecord -l` (run with LC_ALL=C: "card" is translated):
 * `card 1: C920 [HD Pro Webcam C920], device 0: USB Audio [USB Audio]`. The id names the card by its id
 * rather than its number, which changes with plugging order, and goes through `plughw` so that ALSA
 * converts rate and channel count for devices that only offer, say, 32 kHz mono.
 */
const CARD_LINE = /^card (\d+): (\S+) \[(.*)\], device (\d+): (.*) \[(.*)\]\s*$/;

export function parseArecordList(stdout: string): CaptureDevice[] {
  const devices: CaptureDevice[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = CARD_LINE.exec(line);
    if (!m) continue;
    const [, , cardId, cardName, device, , deviceName] = m;
    devices.push({
      id: `alsa:plughw:CARD=${cardId},DEV=${device}`,
      name: deviceName && deviceName !== cardName ? `${cardName}: ${deviceName}` : (cardName ?? ''),
      kind: 'audio',
      api: 'alsa',
    });
  }
  return devices;
}
