import { z } from 'zod';
import { easemobVendor } from '../../../../src/vendors/easemob';
import type { EasemobCallbackSettings } from '../../../../src/vendors/easemob/settings';
import { describeVendorContract, type ContractFixture } from '../../../helpers/vendor-contract';
import { fixtureAppKey, fixtureBytes, fixtureNames, fixtureSecret } from './fixtures';

const settings: EasemobCallbackSettings = { secrets: ['older-secret-1', fixtureSecret], appKey: fixtureAppKey, timestampWindowMs: 0 };
const head = { query: new URLSearchParams(), headers: { 'content-type': 'application/json' } };
/** The relay key the `chat-relayed-signed` fixture's marker was made with. */
const relayKeys = ['test-relay-key-7f3a9c2e5b8d1f4a6c0e9b2d5f8a1c3e'];
const labels: Record<string, string> = { recall: 'recall', 'read-ack': 'read_ack', 'notify-reaction': 'notify', 'muc-create': 'muc', 'group-op-join': 'other' };

const fixtures: ContractFixture[] = fixtureNames().map((name) => ({
  name,
  head,
  body: fixtureBytes(name),
  nowMs: 1_718_000_000_123,
  expect: { kind: name === 'chat-relayed-signed' ? 'ignored' : 'event', label: labels[name] ?? name.split('-')[0] },
}));

describeVendorContract(
  () => ({
    vendor: easemobVendor.create(settings, { clock: () => 1_718_000_000_123, relayKeys }),
    wrongSecret: easemobVendor.create({ ...settings, secrets: ['not-the-secret'] }, { clock: () => 1_718_000_000_123, relayKeys }),
    secrets: settings.secrets,
    // The signature sits inside the body: the odd bodies carry none, so they are refused before mapping.
    sign: (body) => ({ head, body, nowMs: 1_718_000_000_123 }),
    replySchema: z.union([
      z.strictObject({ result: z.enum(['accepted', 'duplicate', 'ignored']) }),
      z.strictObject({ result: z.literal('quarantined'), info: z.string().max(300) }),
      z.strictObject({ result: z.literal('failed'), reason: z.string(), info: z.string().max(300) }),
    ]),
  }),
  fixtures,
);
