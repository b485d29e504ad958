/**
 * Scene item transforms in OBS's terms. Uplink keeps an item as a box on the canvas (top-left x, y and
 * its size) showing the source cropped in the source's own pixels; OBS keeps a position, an alignment
 * (which point of the item the position is), a scale of the source's size and a crop. Uplink's items are
 * OBS's items with alignment 5 (top-left), no bounds and no rotation, so a transform read here and sent
 * back unchanged changes nothing; an item given bounds keeps the box they give it.
 */
import type { Collection, Crop, ItemPatch, SceneItem, ScenesView } from '../../contract.js';
import { type SizeOf, naturalSize } from '../../engine/scenes/edit.js';
import { placeItem } from '../../engine/scenes/obs-import.js';
import { RequestStatus } from './protocol.js';
import { Fields, fail } from './fields.js';
import type { ObsData } from './types.js';

const ALIGN_LEFT = 1;
const ALIGN_RIGHT = 2;
const ALIGN_TOP = 4;
const ALIGN_BOTTOM = 8;
const TOP_LEFT = ALIGN_LEFT | ALIGN_TOP;

interface Scale {
  sourceWidth: number;
  sourceHeight: number;
  scaleX: number;
  scaleY: number;
}

/** The sizes the studio learnt by opening sources' files, for naturalSize. */
export function sizesOf(view: ScenesView | null | undefined): SizeOf {
  const sizes = new Map((view?.sourceSizes ?? []).map((s) => [s.sourceId, { width: s.width, height: s.height }]));
  return (sourceId) => sizes.get(sourceId);
}

/** The source's size (as the compositor's plan takes it) and the scale that makes the item's box of it. */
function scaleOf(c: Collection, item: SceneItem, sizeOf?: SizeOf): Scale {
  const size = naturalSize(c, item.sourceId, sizeOf);
  const croppedWidth = size.width - item.crop.left - item.crop.right;
  const croppedHeight = size.height - item.crop.top - item.crop.bottom;
  return {
    sourceWidth: size.width,
    sourceHeight: size.height,
    scaleX: croppedWidth > 0 ? item.width / croppedWidth : 1,
    scaleY: croppedHeight > 0 ? item.height / croppedHeight : 1,
  };
}

export function obsTransform(c: Collection, item: SceneItem, sizeOf?: SizeOf): ObsData {
  const { sourceWidth, sourceHeight, scaleX, scaleY } = scaleOf(c, item, sizeOf);
  return {
    sourceWidth,
    sourceHeight,
    positionX: item.x,
    positionY: item.y,
    rotation: 0,
    scaleX,
    scaleY,
    // As OBS reports them: the source's size times the scale, crop not taken off.
    width: scaleX * sourceWidth,
    height: scaleY * sourceHeight,
    alignment: TOP_LEFT,
    boundsType: 'OBS_BOUNDS_NONE',
    boundsAlignment: 0,
    boundsWidth: 0,
    boundsHeight: 0,
    cropLeft: item.crop.left,
    cropRight: item.crop.right,
    cropTop: item.crop.top,
    cropBottom: item.crop.bottom,
    cropToBounds: false,
  };
}

/** The offset of an alignment point from the top-left of a width x height box (libobs's add_alignment). */
function alignmentOffset(align: number, width: number, height: number): { x: number; y: number } {
  const x = align & ALIGN_RIGHT ? width : align & ALIGN_LEFT ? 0 : width / 2;
  const y = align & ALIGN_BOTTOM ? height : align & ALIGN_TOP ? 0 : height / 2;
  return { x, y };
}

/** OBS's bounds types, in libobs's order (the OBS import's numbering). */
const BOUNDS_TYPES = [
  'OBS_BOUNDS_NONE',
  'OBS_BOUNDS_STRETCH',
  'OBS_BOUNDS_SCALE_INNER',
  'OBS_BOUNDS_SCALE_OUTER',
  'OBS_BOUNDS_SCALE_TO_WIDTH',
  'OBS_BOUNDS_SCALE_TO_HEIGHT',
  'OBS_BOUNDS_MAX_ONLY',
];

/**
 * SetSceneItemTransform's fields as a change of the item, checked as OBS checks them. An item given
 * bounds is placed in them by libobs's rules (the OBS import's placeItem) and kept as the box it ends up
 * in; what Uplink cannot draw (a rotation, a flip) is refused with a sentence rather than ignored; fields
 * OBS ignores in a set (width, height, sourceWidth...) are ignored here too.
 */
export function transformPatch(c: Collection, item: SceneItem, given: ObsData, sizeOf?: SizeOf): ItemPatch {
  const t = new Fields(given);
  const current = scaleOf(c, item, sizeOf);
  let changed = false;

  const rotation = t.optionalNumber('rotation', -360, 360);
  if (rotation !== undefined) {
    if (rotation % 360 !== 0) fail(RequestStatus.RequestFieldOutOfRange, 'Uplink does not rotate scene items: `rotation` must be 0.');
    changed = true;
  }
  const boundsType = t.optionalString('boundsType');
  if (boundsType !== undefined && !BOUNDS_TYPES.includes(boundsType)) fail(RequestStatus.InvalidRequestField, 'The field `boundsType` has an invalid value.');
  const boundsAlignment = t.optionalNumber('boundsAlignment', 0, 0xffffffff);
  // 0 is what GetSceneItemTransform says of an item without bounds, so a transform sent back is taken.
  const boundsWidth = t.optionalNumber('boundsWidth', 0, 90001);
  const boundsHeight = t.optionalNumber('boundsHeight', 0, 90001);
  const cropToBounds = t.optionalBoolean('cropToBounds');
  if ([boundsType, boundsAlignment, boundsWidth, boundsHeight, cropToBounds].some((value) => value !== undefined)) changed = true;

  const crop: Crop = { ...item.crop };
  const sides = { cropLeft: 'left', cropRight: 'right', cropTop: 'top', cropBottom: 'bottom' } as const;
  let cropChanged = false;
  for (const [field, side] of Object.entries(sides) as Array<[keyof typeof sides, keyof Crop]>) {
    const value = t.optionalNumber(field, 0, 100000);
    if (value !== undefined) {
      crop[side] = Math.round(value);
      cropChanged = true;
    }
  }

  let scaleX = current.scaleX;
  let scaleY = current.scaleY;
  const givenScaleX = t.optionalNumber('scaleX');
  const givenScaleY = t.optionalNumber('scaleY');
  for (const [name, value, size] of [['scaleX', givenScaleX, current.sourceWidth], ['scaleY', givenScaleY, current.sourceHeight]] as const) {
    if (value === undefined) continue;
    if (value < 0) fail(RequestStatus.RequestFieldOutOfRange, `Uplink does not flip scene items: \`${name}\` must not be negative.`);
    if (!(value * size < 90001)) fail(RequestStatus.RequestFieldOutOfRange, `The field \`${name}\` is too small or large for the current source resolution.`);
  }
  if (givenScaleX !== undefined) scaleX = givenScaleX;
  if (givenScaleY !== undefined) scaleY = givenScaleY;

  // The box keeps its scale when the crop changes, as in OBS: cropping shrinks the item.
  const width = Math.max(0, (current.sourceWidth - crop.left - crop.right) * scaleX);
  const height = Math.max(0, (current.sourceHeight - crop.top - crop.bottom) * scaleY);
  const sized = cropChanged || givenScaleX !== undefined || givenScaleY !== undefined;

  const positionX = t.optionalNumber('positionX', -90001, 90001);
  const positionY = t.optionalNumber('positionY', -90001, 90001);
  const alignment = t.optionalNumber('alignment', 0, 0xffffffff);
  if (boundsType !== undefined && boundsType !== 'OBS_BOUNDS_NONE') {
    if (!(boundsWidth !== undefined && boundsWidth >= 1 && boundsHeight !== undefined && boundsHeight >= 1)) {
      fail(RequestStatus.InvalidRequestField, `${boundsType} needs \`boundsWidth\` and \`boundsHeight\` of at least 1.`);
    }
    const placed = placeItem(
      {
        pos: { x: positionX ?? item.x, y: positionY ?? item.y },
        scale: { x: scaleX, y: scaleY },
        align: alignment ?? TOP_LEFT,
        bounds_type: BOUNDS_TYPES.indexOf(boundsType),
        bounds: { x: boundsWidth, y: boundsHeight },
        bounds_align: boundsAlignment ?? 0,
        bounds_crop: cropToBounds ?? false,
        crop_left: crop.left,
        crop_right: crop.right,
        crop_top: crop.top,
        crop_bottom: crop.bottom,
      },
      { width: current.sourceWidth, height: current.sourceHeight },
      [],
      '',
      null,
    );
    return { x: placed.x, y: placed.y, width: placed.width, height: placed.height, crop: placed.crop };
  }

  const patch: ItemPatch = {};
  if (sized) Object.assign(patch, { width, height });
  if (cropChanged) patch.crop = crop;
  if (positionX !== undefined || positionY !== undefined || alignment !== undefined) {
    // The position is of the alignment point (the item's current one is its top-left corner): Uplink keeps the corner.
    const offset = alignmentOffset(alignment ?? TOP_LEFT, width, height);
    patch.x = (positionX ?? item.x) - offset.x;
    patch.y = (positionY ?? item.y) - offset.y;
  }
  if (!changed && Object.keys(patch).length === 0) fail(RequestStatus.CannotAct, 'You have not provided any valid transform changes.');
  return patch;
}
