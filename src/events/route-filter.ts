import { z } from 'zod';
import { elementKinds } from './message';

const list = <T extends z.ZodType>(item: T) => z.array(item).min(1);

/**
 * Which events a sink receives, over the common attributes every vendor fills (src/events/attributes.ts).
 * Every criterion given must match (AND); within a list any value may match (OR). No filter: every
 * event. Evaluated once, when the event is committed.
 */
export const routeFilterSchema = z
  .strictObject({
    vendors: list(z.string().min(1)).optional().describe('e.g. [tencent, netease]'),
    commands: list(z.string().min(1)).optional().describe('Callback commands or event types, e.g. [C2C.CallbackAfterSendMsg]'),
    appIds: list(z.string().min(1)).optional().describe('Vendor apps (Tencent SdkAppid, NetEase AppKey, Easemob org#app)'),
    sdkAppIds: list(z.string().regex(/^\d{1,20}$/, 'expected digits')).optional().describe('Tencent SdkAppids (the same as appIds)'),
    conversations: list(z.enum(['c2c', 'group', 'chatroom'])).optional().describe('Conversation types of message events'),
    elementKinds: list(z.enum(elementKinds as [string, ...string[]])).optional().describe('Any message element of these neutral kinds, e.g. [custom]'),
    msgTypes: list(z.string().min(1)).optional().describe("Any message element of these vendor types, e.g. [TIMCustomElem]"),
    sendFailed: z.boolean().optional().describe('Only messages the vendor reports as not delivered (true) or delivered (false)'),
    sendResult: z.enum(['ok', 'failed']).optional().describe('The same as sendFailed: false (ok) or true (failed)'),
  })
  .describe('Only events matching every given criterion go to this sink');

export type RouteFilter = z.output<typeof routeFilterSchema>;
