import { USER_ANNOTATION, USER_LABEL, SESSION_ID_LABEL } from '../../src/k8s/labels.js';
import { userLabelValue } from '../../src/k8s/names.js';
import { isOwnedBySession, isOwnedByUser } from '../../src/k8s/ownership.js';

const meta = (user: string, sessionId = 's1', annotation = user) => ({
  labels: { [USER_LABEL]: userLabelValue(user), [SESSION_ID_LABEL]: sessionId },
  annotations: { [USER_ANNOTATION]: annotation },
});

describe('object ownership', () => {
  test("an object labelled and annotated with the user is the user's", () => {
    expect(isOwnedByUser(meta('alice@example.com'), 'alice@example.com')).toBe(true);
    expect(isOwnedBySession(meta('alice', 's1'), 'alice', 's1')).toBe(true);
  });

  test("a matching label with another raw user annotation is not the user's", () => {
    const forged = meta('alice', 's1', 'mallory');
    expect(isOwnedByUser(forged, 'alice')).toBe(false);
  });

  test("another session's object of the same user is not adopted", () => {
    expect(isOwnedBySession(meta('alice', 's2'), 'alice', 's1')).toBe(false);
  });

  test('an object without labels or annotations belongs to nobody', () => {
    expect(isOwnedByUser({}, 'alice')).toBe(false);
    expect(isOwnedByUser(undefined, 'alice')).toBe(false);
  });
});
