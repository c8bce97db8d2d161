import { definedAttributes, type AttributeValue, type CommonAttributes } from './attributes';
import type { EventAttributes } from './event';

/** Attribute names the envelope sets itself, or that CloudEvents reserves. */
type ReservedName = 'specversion' | 'id' | 'source' | 'type' | 'time' | 'datacontenttype' | 'dataschema' | 'subject' | 'data' | 'data_base64';

/**
 * A vendor's own extension attributes (Tencent `sdkappid`, NetEase `eventtype`, …): lower-case letters
 * and digits, at most 20 characters (the CloudEvents naming rules); never a reserved or a common name.
 * An undefined value is left out.
 */
export type VendorAttributes = Readonly<Record<string, AttributeValue | undefined>> & { readonly [name in ReservedName | keyof CommonAttributes]?: never };

/** What a vendor knows of one occurrence, for its CloudEvents envelope. */
export interface Envelope {
  /** The dedupe id (`dedupeId`): the same for every copy of one occurrence, different for any two. */
  readonly id: string;
  /** e.g. `tencent-im/1400000001` */
  readonly source: string;
  /** e.g. `com.tencent.im.C2C.CallbackAfterSendMsg` */
  readonly type: string;
  /** RFC 3339; when the vendor says the occurrence happened, else when we received it. */
  readonly time: string;
  readonly common: CommonAttributes;
  readonly extensions?: VendorAttributes;
}

/**
 * The one builder of an event's context attributes: CloudEvents 1.0, JSON data, the common attributes
 * then the vendor's own, absent facts left out (never `null`). `specversion` and `id` come first, in
 * that order (the file sink finds ids at a file's tail by that prefix).
 */
export function eventAttributes(envelope: Envelope): EventAttributes {
  const { id, source, type, time, common, extensions } = envelope;
  return {
    specversion: '1.0',
    id,
    source,
    type,
    time,
    datacontenttype: 'application/json',
    ...definedAttributes({ ...common, ...extensions }),
  };
}
