import { z } from 'zod';
import { attachSchemas, hasTypedAttach, type TypedAttach } from './attach';
import { account, id, jsonHolder, jsonView, millis, scalar } from './fields';

/** Conversation types whose eventType 1 deliveries are user messages (the others are system notifications). */
export const messageConvTypes: ReadonlySet<string> = new Set(['PERSON', 'TEAM', 'SUPER_TEAM']);

/** `tMembers` is sent only for teams of up to 200 members ([ZH-CONV]). */
export const maxTeamMembers = 200;

/** The parsed views of a message's JSON-holding fields, beside the fields as sent. */
export interface MessageViews {
  readonly attach?: unknown;
  readonly ext?: unknown;
  readonly body?: unknown;
  readonly yidunRes?: unknown;
  /** The attachment validated against its message type's schema (PICTURE, AUDIO, …). */
  readonly typedAttach?: TypedAttach;
  /** `tMembers` split into accids. */
  readonly members?: readonly string[];
}

const common = {
  fromAccount: account,
  fromClientType: z.string().max(32).optional(),
  fromNick: z.string().optional(),
  msgTimestamp: millis,
  msgType: z.string().min(1).max(64),
  body: z.string().optional(),
  attach: jsonHolder.optional(),
  msgidClient: id.optional(),
  resendFlag: scalar.optional(),
  ext: jsonHolder.optional(),
  antispam: scalar.optional(),
  yidunRes: jsonHolder.optional(),
};

/** eventType 1: P2P, team and super-team messages and system notifications ([ZH-CONV], protocols/netease.md §5.1). */
export const conversationSchema = z
  .looseObject({
    ...common,
    eventType: scalar,
    convType: z.string().min(1).max(32),
    to: account,
    fromDeviceId: z.string().optional(),
    msgidServer: id.optional(),
    customSafeFlag: scalar.optional(),
    customApnsText: z.string().optional(),
    tMembers: z.string().optional(),
    blacklist: scalar.optional(),
    ip: z.string().optional(),
    port: scalar.optional(),
    aiParams: z.looseObject({ direction: scalar.optional(), account: z.string().optional() }).optional(),
  })
  .transform((fields, ctx) => ({ fields, views: messageViews(fields, ctx, messageConvTypes.has(fields.convType)) }));

/** eventType 4: chat-room messages; the content is in `attach`, there is no `msgidServer` ([ZH-OTHER], §5.2). */
export const chatroomMessageSchema = z
  .looseObject({
    ...common,
    eventType: scalar,
    roomId: id,
    fromAvator: z.string().optional(),
    fromExt: z.string().optional(),
    roleInfoTimetag: scalar.optional(),
  })
  .transform((fields, ctx) => ({ fields, views: messageViews(fields, ctx, true) }));

export type ConversationEvent = z.output<typeof conversationSchema>;
export type ChatroomMessageEvent = z.output<typeof chatroomMessageSchema>;

interface ViewInput {
  readonly msgType: string;
  readonly attach?: unknown;
  readonly ext?: unknown;
  readonly body?: string;
  readonly yidunRes?: unknown;
  readonly tMembers?: string;
}

function messageViews(fields: ViewInput, ctx: z.RefinementCtx, isMessage: boolean): MessageViews {
  const attach = jsonView(fields.attach);
  const typedAttach = isMessage && hasTypedAttach(fields.msgType) ? checkAttach(fields.msgType, attach, ctx) : undefined;
  return {
    attach,
    ext: jsonView(fields.ext),
    body: jsonView(fields.body),
    yidunRes: jsonView(fields.yidunRes),
    typedAttach,
    members: fields.tMembers === undefined ? undefined : teamMembers(fields.tMembers, ctx),
  };
}

function checkAttach(msgType: keyof typeof attachSchemas, attach: unknown, ctx: z.RefinementCtx): TypedAttach | undefined {
  if (typeof attach !== 'object' || attach === null || Array.isArray(attach)) {
    ctx.addIssue({ code: 'custom', path: ['attach'], message: `a ${msgType} message needs attach to hold a JSON object` });
    return undefined;
  }
  const result = attachSchemas[msgType].safeParse(attach);
  if (result.success) return result.data;
  for (const issue of result.error.issues.slice(0, 3)) {
    ctx.addIssue({ code: 'custom', path: ['attach', ...issue.path], message: issue.message });
  }
  return undefined;
}

/** `"[zhangsan, lisi]"`: not JSON (the items are unquoted); strip the brackets and split on commas. */
function teamMembers(raw: string, ctx: z.RefinementCtx): string[] | undefined {
  const inner = raw.trim().replace(/^\[/, '').replace(/\]$/, '');
  const items = inner.split(',', maxTeamMembers + 1).map((item) => item.trim()).filter((item) => item !== '');
  if (items.length > maxTeamMembers) {
    ctx.addIssue({ code: 'custom', path: ['tMembers'], message: `tMembers lists more than ${maxTeamMembers} members` });
    return undefined;
  }
  return items;
}
