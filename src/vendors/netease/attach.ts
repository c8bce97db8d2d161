import { z } from 'zod';
import { numeric } from './fields';

/**
 * The documented `attach` of each message type (protocols/netease.md §5.1, [ZH-CONV]), validated on its
 * parsed JSON view. Sizes are bytes, `dur` is milliseconds. Extra keys are kept; CUSTOM, TIPS and the
 * system notifications carry application-defined attachments and are not checked.
 */
const media = { url: z.string().min(1), md5: z.string().optional(), size: numeric.optional(), ext: z.string().optional() };

export const pictureAttach = z.looseObject({ ...media, name: z.string().optional(), w: numeric.optional(), h: numeric.optional() });
export const audioAttach = z.looseObject({ ...media, dur: numeric.optional() });
export const videoAttach = z.looseObject({
  ...media,
  name: z.string().optional(),
  dur: numeric.optional(),
  w: numeric.optional(),
  h: numeric.optional(),
});
export const fileAttach = z.looseObject({ ...media, name: z.string().optional() });
export const locationAttach = z.looseObject({
  lat: numeric.pipe(z.number().min(-90).max(90)),
  lng: numeric.pipe(z.number().min(-180).max(180)),
  title: z.string().optional(),
});
/** Team notifications: `id` is the team operation (0 invite … 10 mute, 401-411 for super teams). */
export const notificationAttach = z.looseObject({ id: numeric, data: z.looseObject({}).optional() });

export const attachSchemas = {
  PICTURE: pictureAttach,
  AUDIO: audioAttach,
  VIDEO: videoAttach,
  FILE: fileAttach,
  LOCATION: locationAttach,
  NOTIFICATION: notificationAttach,
} as const;

export type TypedAttachType = keyof typeof attachSchemas;
export type TypedAttach = { [T in TypedAttachType]: z.output<(typeof attachSchemas)[T]> }[TypedAttachType];

export function hasTypedAttach(msgType: string): msgType is TypedAttachType {
  return Object.hasOwn(attachSchemas, msgType);
}
