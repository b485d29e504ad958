/** PicturePainter: the newest picture wins while one decodes, late pictures are never shown, a bad one is skipped. */
import { describe, expect, it } from 'vitest';
import { type Decode, PicturePainter, type PictureSurface } from '../../renderer/src/preview/picture.js';

type Fake = { name: string };

function surface() {
  const drawn: string[] = [];
  const s: PictureSurface = { width: 0, height: 0, dataset: {} };
  return { s, drawn, present: (image: Fake) => void drawn.push(image.name) };
}

/** Decodes on demand: each decode waits until the test finishes it (or fails it). */
function manualDecode() {
  const waiting: Array<{ name: string; done: () => void; fail: () => void }> = [];
  const closed: string[] = [];
  const decode: Decode<Fake> = (jpeg) =>
    new Promise((resolve, reject) => {
      const name = String(jpeg[0]);
      waiting.push({
        name,
        done: () => resolve({ image: { name }, width: 320, height: 180, close: () => void closed.push(name) }),
        fail: () => reject(new Error('not a JPEG')),
      });
    });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { decode, waiting, closed, settle };
}

const picture = (seq: number) => ({ seq, jpeg: new Uint8Array([seq]) });

describe('PicturePainter', () => {
  it('draws the newest picture once the one decoding is done, skipping those in between', async () => {
    const { s, drawn, present } = surface();
    const d = manualDecode();
    const painter = new PicturePainter(s, d.decode, present);
    painter.show(picture(1));
    painter.show(picture(2));
    painter.show(picture(3));
    expect(d.waiting.map((w) => w.name)).toEqual(['1']);
    d.waiting[0]!.done();
    await d.settle();
    // 2 was never decoded: 3 replaced it while 1 decoded.
    expect(d.waiting.map((w) => w.name)).toEqual(['1', '3']);
    d.waiting[1]!.done();
    await d.settle();
    expect(drawn).toEqual(['1', '3']);
    expect(d.closed).toEqual(['1', '3']);
    expect(s.dataset.seq).toBe('3');
    expect([s.width, s.height]).toEqual([320, 180]);
    // A late picture (an older seq) is not drawn.
    painter.show(picture(2));
    expect(d.waiting).toHaveLength(2);
  });

  it('skips a picture that does not decode and draws the next; draws nothing once closed', async () => {
    const { s, drawn, present } = surface();
    const d = manualDecode();
    const errors: unknown[] = [];
    const painter = new PicturePainter(s, d.decode, present, (err) => errors.push(err));
    painter.show(picture(1));
    d.waiting[0]!.fail();
    await d.settle();
    painter.show(picture(2));
    d.waiting[1]!.done();
    await d.settle();
    expect(drawn).toEqual(['2']);
    expect(errors).toHaveLength(1);
    painter.show(picture(3));
    painter.close();
    d.waiting[2]!.done();
    await d.settle();
    expect(drawn).toEqual(['2']);
    expect(d.closed).toContain('3');
  });
});
