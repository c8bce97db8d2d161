import { z } from 'zod';
import { bodyLimits } from './bounds';

/** Message element schemas (`TIMMsgElement`): https://cloud.tencent.com/document/product/269/2720 */

/**
 * An array of at most `max` entries, validated entry by entry up to the first invalid one: a hostile
 * array costs one issue, not one per entry (zod's `z.array` reports every entry).
 */
export function boundedArray<T extends z.ZodType>(item: T, max: number): z.ZodType<z.output<T>[], unknown[]> {
  return z
    .array(z.unknown())
    .max(max)
    .transform((entries, ctx) => {
      const out: z.output<T>[] = [];
      for (let i = 0; i < entries.length; i++) {
        const result = item.safeParse(entries[i]);
        if (!result.success) {
          for (const issue of result.error.issues) ctx.issues.push({ code: 'custom', message: issue.message, path: [i, ...issue.path], input: entries[i] });
          return z.NEVER;
        }
        out.push(result.data);
      }
      return out;
    });
}

/** Documented as uint32; Tencent's own examples exceed it, and it only identifies. */
const sequence = z.int().min(0);
const count = z.number().min(0);

const element = <T extends string, C extends z.core.$ZodLooseShape>(type: T, content: C) =>
  z.looseObject({ MsgType: z.literal(type), MsgContent: z.looseObject(content) });

export const textElem = element('TIMTextElem', { Text: z.string() });

export const locationElem = element('TIMLocationElem', {
  Desc: z.string().optional(),
  Latitude: z.number().min(-90).max(90),
  Longitude: z.number().min(-180).max(180),
});

export const faceElem = element('TIMFaceElem', { Index: z.number(), Data: z.string().optional() });

/** All four fields are strings (Data is often JSON text, but it is opaque) and any may be absent. */
export const customElem = element('TIMCustomElem', {
  Data: z.string().optional(),
  Desc: z.string().optional(),
  Ext: z.string().optional(),
  Sound: z.string().optional(),
});

/** SDK 4.x adds Url and Download_Flag; 2.x/3.x clients send only UUID, Size and Second; some send Url without UUID. */
export const soundElem = element('TIMSoundElem', {
  Url: z.string().optional(),
  UUID: z.string().optional(),
  Size: count,
  Second: count,
  Download_Flag: z.int().optional(),
});

/** Note the casing: `URL` for images, `Url` for sound and files. */
export const imageElem = element('TIMImageElem', {
  UUID: z.string(),
  ImageFormat: z.int().optional(),
  ImageInfoArray: boundedArray(
    z.looseObject({
      Type: z.int(),
      Size: count.optional(),
      Width: count.optional(),
      Height: count.optional(),
      URL: z.string(),
    }),
    bodyLimits.maxImageInfos,
  ),
});

/** SDK 4.x adds Url and Download_Flag; 2.x/3.x clients send only UUID, FileSize and FileName. */
export const fileElem = element('TIMFileElem', {
  Url: z.string().optional(),
  UUID: z.string(),
  FileSize: count.optional(),
  FileName: z.string().optional(),
  Download_Flag: z.int().optional(),
});

/** SDK 4.x adds the URLs and download flags; VideoFormat and ThumbFormat are strings ("mp4", "JPG"). */
export const videoFileElem = element('TIMVideoFileElem', {
  VideoUrl: z.string().optional(),
  VideoUUID: z.string(),
  VideoSize: count.optional(),
  VideoSecond: count.optional(),
  VideoFormat: z.string().optional(),
  VideoDownloadFlag: z.int().optional(),
  ThumbUrl: z.string().optional(),
  ThumbUUID: z.string().optional(),
  ThumbSize: count.optional(),
  ThumbWidth: count.optional(),
  ThumbHeight: count.optional(),
  ThumbFormat: z.string().optional(),
  ThumbDownloadFlag: z.int().optional(),
});

/** One message inside a merged/forwarded message. Its time is `MsgTimeStamp`, not `MsgTime`. */
export interface RelayedMessage {
  readonly From_Account: string;
  readonly To_Account?: string | undefined;
  readonly GroupId?: string | undefined;
  readonly MsgSeq?: number | undefined;
  readonly MsgRandom?: number | undefined;
  readonly MsgTimeStamp?: number | undefined;
  readonly MsgBody: MsgElement[];
  readonly CloudCustomData?: string | undefined;
  readonly [field: string]: unknown;
}

const relayedMessage: z.ZodType<RelayedMessage> = z.looseObject({
  From_Account: z.string(),
  To_Account: z.string().optional(),
  GroupId: z.string().optional(),
  MsgSeq: sequence.optional(),
  MsgRandom: sequence.optional(),
  MsgTimeStamp: z.int().optional(),
  get MsgBody(): z.ZodType<MsgElement[]> {
    return msgBodySchema;
  },
  CloudCustomData: z.string().optional(),
});

/** Merged/forwarded messages: `MsgList` inline up to 12 KB, otherwise a `JsonMsgKey` reference. */
export const relayElem = z.looseObject({
  MsgType: z.literal('TIMRelayElem'),
  MsgContent: z
    .looseObject({
      Title: z.string().optional(),
      MsgNum: z.int().min(0).optional(),
      CompatibleText: z.string().optional(),
      AbstractList: boundedArray(z.string(), bodyLimits.maxAbstractLines).optional(),
      MsgList: boundedArray(relayedMessage, bodyLimits.maxRelayedMessages).optional(),
      JsonMsgKey: z.string().optional(),
    })
    .refine((content) => content.MsgList !== undefined || content.JsonMsgKey !== undefined, {
      message: 'TIMRelayElem needs MsgList or JsonMsgKey',
    }),
});

const knownElement = z.discriminatedUnion('MsgType', [
  textElem,
  locationElem,
  faceElem,
  customElem,
  soundElem,
  imageElem,
  fileElem,
  videoFileElem,
  relayElem,
]);

export type KnownElement = z.output<typeof knownElement>;
/** An element type this version does not know: kept exactly as sent. */
export interface UnknownElement {
  readonly MsgType: string;
  readonly MsgContent?: unknown;
  readonly [field: string]: unknown;
}
export type MsgElement = KnownElement | UnknownElement;

export const knownMsgTypes: ReadonlySet<string> = new Set(knownElement.options.map((option) => option.shape.MsgType.value));

export function isKnownElement(element: MsgElement): element is KnownElement {
  return knownMsgTypes.has(element.MsgType);
}

/**
 * One element: validated against its type's schema when the type is known, passed through as it is
 * otherwise (new element types must never cost a message).
 */
export const msgElementSchema: z.ZodType<MsgElement> = z
  .looseObject({ MsgType: z.string().min(1), MsgContent: z.unknown().optional() })
  .transform((value, ctx) => {
    if (!knownMsgTypes.has(value.MsgType)) return value as UnknownElement;
    const result = knownElement.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      ctx.issues.push({ code: 'custom', message: issue.message, path: issue.path, input: value });
    }
    return z.NEVER;
  });

export const msgBodySchema: z.ZodType<MsgElement[]> = boundedArray(msgElementSchema, bodyLimits.maxElements);
