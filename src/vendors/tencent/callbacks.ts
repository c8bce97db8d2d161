import { z } from 'zod';
import { msgBodySchema } from './elements';

/**
 * MsgSeq and MsgRandom are documented as sequence, but Tencent's own examples exceed it
 * (`"MsgSeq": 9586798211`): any non-negative safe integer is accepted, they only identify.
 */
const sequence = z.int().min(0);
/** Documented as Integer (ms), sent as a string in the group examples: accept both. */
const eventTime = z.union([z.number(), z.string().regex(/^\d+$/, 'EventTime must be a number')]);
const unreadMsgNum = z.int().min(-1);

/*
 * Only what identifies a message is required: older documentation and real traffic omit MsgKey,
 * SendMsgResult and ErrorInfo (after-send), MsgSeq/MsgRandom/MsgTime (before-send) and MsgSeq/MsgTime
 * (audio-video chat room groups). The event id is derived from what is present (to-event.ts).
 */

/** https://cloud.tencent.com/document/product/269/2716 (C2C.CallbackAfterSendMsg) */
export const c2cAfterSendMsg = z.looseObject({
  CallbackCommand: z.literal('C2C.CallbackAfterSendMsg'),
  From_Account: z.string(),
  To_Account: z.string(),
  MsgSeq: sequence.optional(),
  MsgRandom: sequence.optional(),
  MsgTime: z.int().optional(),
  MsgKey: z.string().min(1).optional(),
  MsgId: z.string().optional(),
  OnlineOnlyFlag: z.int().optional(),
  SendMsgResult: z.int().optional(),
  ErrorInfo: z.string().optional(),
  /** -1 when delivery failed; absent from the newest examples. */
  UnreadMsgNum: unreadMsgNum.optional(),
  MsgBody: msgBodySchema,
  CloudCustomData: z.string().optional(),
  EventTime: eventTime.optional(),
});

/** https://cloud.tencent.com/document/product/269/1632 (C2C.CallbackBeforeSendMsg) */
export const c2cBeforeSendMsg = z.looseObject({
  CallbackCommand: z.literal('C2C.CallbackBeforeSendMsg'),
  From_Account: z.string(),
  To_Account: z.string(),
  MsgSeq: sequence.optional(),
  MsgRandom: sequence.optional(),
  MsgTime: z.int().optional(),
  MsgKey: z.string().min(1).optional(),
  MsgId: z.string().optional(),
  OnlineOnlyFlag: z.int().optional(),
  MsgBody: msgBodySchema,
  CloudCustomData: z.string().optional(),
  EventTime: eventTime.optional(),
});

/** https://www.tencentcloud.com/document/product/1047/43466 (C2C.CallbackAfterMsgWithDraw) */
export const c2cAfterMsgWithDraw = z.looseObject({
  CallbackCommand: z.literal('C2C.CallbackAfterMsgWithDraw'),
  From_Account: z.string(),
  To_Account: z.string(),
  MsgKey: z.string().min(1),
  UnreadMsgNum: unreadMsgNum.optional(),
  EventTime: eventTime.optional(),
});

/** https://www.tencentcloud.com/document/product/1047/43465 (C2C.CallbackAfterMsgReport) */
export const c2cAfterMsgReport = z.looseObject({
  CallbackCommand: z.literal('C2C.CallbackAfterMsgReport'),
  Report_Account: z.string(),
  Peer_Account: z.string(),
  LastReadTime: z.int(),
  UnreadMsgNum: unreadMsgNum.optional(),
  EventTime: eventTime.optional(),
});

/** https://www.tencentcloud.com/document/product/1047/34375 (Group.CallbackAfterSendMsg); note `Random`, not `MsgRandom`. */
export const groupAfterSendMsg = z.looseObject({
  CallbackCommand: z.literal('Group.CallbackAfterSendMsg'),
  GroupId: z.string().min(1),
  Type: z.string().optional(),
  From_Account: z.string(),
  Operator_Account: z.string().optional(),
  Random: sequence.optional(),
  MsgSeq: z.int().min(0).optional(),
  MsgTime: z.int().optional(),
  MsgId: z.string().optional(),
  OnlineOnlyFlag: z.int().optional(),
  MsgBody: msgBodySchema,
  CloudCustomData: z.string().optional(),
  EventTime: eventTime.optional(),
});

/**
 * Any other command: kept whole. Its `CallbackCommand` may be absent (the moderation result callback
 * `ContentCallback.ResultNotify` has it only in the query); when present it equals the query's.
 */
export const otherCallback = z.looseObject({ CallbackCommand: z.string().optional() });

export const tencentBodySchemas = {
  'C2C.CallbackAfterSendMsg': c2cAfterSendMsg,
  'C2C.CallbackBeforeSendMsg': c2cBeforeSendMsg,
  'C2C.CallbackAfterMsgWithDraw': c2cAfterMsgWithDraw,
  'C2C.CallbackAfterMsgReport': c2cAfterMsgReport,
  'Group.CallbackAfterSendMsg': groupAfterSendMsg,
} as const;

export type TypedCommand = keyof typeof tencentBodySchemas;
export type TencentCallback =
  | { [C in TypedCommand]: z.output<(typeof tencentBodySchemas)[C]> }[TypedCommand]
  | z.output<typeof otherCallback>;

export function isTypedCommand(command: string): command is TypedCommand {
  return Object.hasOwn(tencentBodySchemas, command);
}

export type C2CAfterSendMsg = z.output<typeof c2cAfterSendMsg>;
export type C2CBeforeSendMsg = z.output<typeof c2cBeforeSendMsg>;
export type GroupAfterSendMsg = z.output<typeof groupAfterSendMsg>;

/** A body of a command with a typed schema, narrowed by its `CallbackCommand` literal. */
export type TypedCallback = { [C in TypedCommand]: z.output<(typeof tencentBodySchemas)[C]> }[TypedCommand];

/**
 * The typed shape of a validated body, or undefined for a command without a schema. Sound because
 * `parseTencentBody` validates a body whose command has a schema against that schema (the schemas
 * hold the command as a literal), so a typed command name implies the typed shape.
 */
export function typedCallback(body: TencentCallback): TypedCallback | undefined {
  const command = body.CallbackCommand;
  return command !== undefined && isTypedCommand(command) ? (body as TypedCallback) : undefined;
}
