import { z } from 'zod';
import { msgBodySchema } from './elements';

const uint32 = z.int().min(0).max(4_294_967_295);
/** Documented as Integer (ms), sent as a string in the group examples: accept both. */
const eventTime = z.union([z.number(), z.string().regex(/^\d+$/, 'EventTime must be a number')]);
const unreadMsgNum = z.int().min(-1);

/** https://cloud.tencent.com/document/product/269/2716 (C2C.CallbackAfterSendMsg) */
export const c2cAfterSendMsg = z.looseObject({
  CallbackCommand: z.literal('C2C.CallbackAfterSendMsg'),
  From_Account: z.string(),
  To_Account: z.string(),
  MsgSeq: uint32,
  MsgRandom: uint32,
  MsgTime: z.int(),
  MsgKey: z.string().min(1),
  MsgId: z.string().optional(),
  OnlineOnlyFlag: z.int().optional(),
  SendMsgResult: z.int(),
  ErrorInfo: z.string(),
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
  MsgSeq: uint32,
  MsgRandom: uint32,
  MsgTime: z.int(),
  MsgKey: z.string().optional(),
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
  Random: uint32.optional(),
  MsgSeq: z.int().min(0),
  MsgTime: z.int(),
  MsgId: z.string().optional(),
  OnlineOnlyFlag: z.int().optional(),
  MsgBody: msgBodySchema,
  CloudCustomData: z.string().optional(),
  EventTime: eventTime.optional(),
});

/** Any other command: kept whole; only the command itself is checked. */
export const otherCallback = z.looseObject({ CallbackCommand: z.string() });

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
