import type { ElementKind, MessageElement } from '../../events/message';
import { isKnownElement, type KnownElement, type MsgElement } from './elements';

/** `ImageFormat` codes of the message format page (https://cloud.tencent.com/document/product/269/2720). */
const imageFormats: Readonly<Record<number, string>> = { 1: 'jpg', 2: 'gif', 3: 'png', 4: 'bmp' };
/** `ImageInfoArray[].Type`: 1 original, 2 large, 3 thumbnail. */
const imageRoles: Readonly<Record<number, 'original' | 'large' | 'thumbnail'>> = { 1: 'original', 2: 'large', 3: 'thumbnail' };

type ImageInfo = Extract<KnownElement, { MsgType: 'TIMImageElem' }>['MsgContent']['ImageInfoArray'][number];

/**
 * Largest first: original, large, thumbnail (their sizes by definition, even where Tencent sends 0 for
 * a dimension it does not know), then any other type by pixels, then bytes.
 */
function largestFirst(a: ImageInfo, b: ImageInfo): number {
  const rank = (info: ImageInfo) => (imageRoles[info.Type] === undefined ? 4 : info.Type);
  const pixels = (info: ImageInfo) => (info.Width ?? 0) * (info.Height ?? 0);
  return rank(a) - rank(b) || pixels(b) - pixels(a) || (b.Size ?? 0) - (a.Size ?? 0);
}

/** A dimension of 0 means "not given" in Tencent's examples: left out rather than passed on as 0. */
const dimension = (value: number | undefined) => (value === undefined || value === 0 ? undefined : value);

/** Drops undefined fields, so the neutral element carries only what the vendor sent (strict schema). */
function defined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}

const kinds: Readonly<Record<string, ElementKind>> = {
  TIMTextElem: 'text',
  TIMImageElem: 'image',
  TIMSoundElem: 'audio',
  TIMVideoFileElem: 'video',
  TIMFileElem: 'file',
  TIMLocationElem: 'location',
  TIMCustomElem: 'custom',
  TIMFaceElem: 'face',
  TIMRelayElem: 'merged',
};

/** The neutral kind of a Tencent element type (`unknown` for a type this version does not know). */
export function kindOf(msgType: string): ElementKind {
  return Object.hasOwn(kinds, msgType) ? (kinds[msgType] as ElementKind) : 'unknown';
}

/** One Tencent element in the vendor-neutral form (`events/message.ts`), with its documented fields. */
export function neutralElement(element: MsgElement): MessageElement {
  if (!isKnownElement(element)) return { kind: 'unknown', vendorType: element.MsgType, content: element };
  const vendorType = element.MsgType;
  switch (element.MsgType) {
    case 'TIMTextElem':
      return { kind: 'text', vendorType, text: element.MsgContent.Text };
    case 'TIMImageElem': {
      const c = element.MsgContent;
      const images = [...c.ImageInfoArray].sort(largestFirst).map((info) =>
        defined({ url: info.URL, width: dimension(info.Width), height: dimension(info.Height), size: info.Size, role: imageRoles[info.Type] }),
      );
      return defined({ kind: 'image', vendorType, images, format: c.ImageFormat === undefined ? undefined : imageFormats[c.ImageFormat] });
    }
    case 'TIMSoundElem': {
      const c = element.MsgContent;
      return defined({ kind: 'audio', vendorType, url: c.Url, durationSeconds: c.Second, size: c.Size });
    }
    case 'TIMVideoFileElem': {
      const c = element.MsgContent;
      return defined({ kind: 'video', vendorType, url: c.VideoUrl, durationSeconds: c.VideoSecond, size: c.VideoSize, format: c.VideoFormat, thumbnailUrl: c.ThumbUrl });
    }
    case 'TIMFileElem': {
      const c = element.MsgContent;
      return defined({ kind: 'file', vendorType, url: c.Url, name: c.FileName, size: c.FileSize });
    }
    case 'TIMLocationElem': {
      const c = element.MsgContent;
      return defined({ kind: 'location', vendorType, latitude: c.Latitude, longitude: c.Longitude, description: c.Desc });
    }
    case 'TIMCustomElem': {
      const c = element.MsgContent;
      return defined({ kind: 'custom', vendorType, data: c.Data, description: c.Desc, extension: c.Ext });
    }
    case 'TIMFaceElem':
      return defined({ kind: 'face', vendorType, index: element.MsgContent.Index, data: element.MsgContent.Data });
    case 'TIMRelayElem': {
      const c = element.MsgContent;
      return defined({ kind: 'merged', vendorType, title: c.Title, summary: c.AbstractList, messageCount: c.MsgNum ?? c.MsgList?.length });
    }
  }
}
