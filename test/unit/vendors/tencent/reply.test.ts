import { failureReasons, type FailureReason } from '../../../../src/errors';
import { replyFor } from '../../../../src/vendors/tencent/reply';

const reasons = Object.keys(failureReasons) as FailureReason[];

describe('replyFor', () => {
  test.each(reasons)('When an after-callback fails with %s, then the catalogue status and a FAIL body are used', (reason) => {
    expect(replyFor(reason, 'why', 'C2C.CallbackAfterSendMsg')).toEqual({
      httpStatus: failureReasons[reason].httpStatus,
      body: { ActionStatus: 'FAIL', ErrorCode: 1, ErrorInfo: 'why' },
    });
  });

  test.each(
    reasons.flatMap((reason) =>
      ['C2C.CallbackBeforeSendMsg', 'Group.CallbackBeforeSendMsg', 'Sns.CallbackPrevFriendAdd', 'Group.CallbackBeforeApplyJoinGroup'].map(
        (command) => [command, reason] as const,
      ),
    ),
  )('When the before-callback %s fails with %s, then it is answered 200 allow (fail open)', (command, reason) => {
    expect(replyFor(reason, 'why', command)).toEqual({ httpStatus: 200, body: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' } });
  });

  test('When the command is unknown, then the failure is not turned into allow', () => {
    expect(replyFor('auth_failed', 'Sign does not match', undefined).httpStatus).toBe(401);
  });
});
