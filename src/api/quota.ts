/**
 * The HTTP face of quota admission (the rules are the domain's: ../session/quota.ts): a refusal becomes
 * the API's answer, 429 QUOTA_EXCEEDED when the user is at the limit, 503 QUOTA_BUSY when the ledger
 * kept changing under every attempt. Anything else (the start's own errors) passes through unchanged.
 */
import { QuotaAdmission, QuotaRefused } from '../session/quota.js';
import { ApiError } from './errors.js';

const STATUS: Record<QuotaRefused['code'], number> = { QUOTA_EXCEEDED: 429, QUOTA_BUSY: 503 };

export class SessionQuota {
  private readonly admission: QuotaAdmission;

  constructor(...args: ConstructorParameters<typeof QuotaAdmission>) {
    this.admission = new QuotaAdmission(...args);
  }

  /** Runs `start` within the user's quota (see {@link QuotaAdmission.admit}); a refusal is an ApiError. */
  async admit(user: string, sessionId: string, start: () => Promise<void>): Promise<void> {
    try {
      await this.admission.admit(user, sessionId, start);
    } catch (err) {
      if (err instanceof QuotaRefused) throw new ApiError(STATUS[err.code], err.code, err.message);
      throw err;
    }
  }
}
