// A pipeline verdict as a PolicyReport result: pass (verified), skip (the policy skips
// verification, or nothing applies and noMatch allows), fail (a definitive failure a Deny policy
// would refuse), warn (the same under a Warn or Audit policy: it runs, but does not verify),
// error (inconclusive: the registry could not be asked). The message carries the `[CODE]`.
import type { ResultStatus } from '../kube/index.js';
import type { ImageVerdict } from '../pipeline/index.js';

export interface JudgedImage {
  result: ResultStatus;
  policy: string;
  code?: string;
  message: string;
  digest?: string;
}

/** The report's view of one verdict. */
export function judged(verdict: ImageVerdict): JudgedImage {
  const policy = verdict.admission.policy;
  switch (verdict.kind) {
    case 'verified': {
      const logged = verdict.logged.length > 0 ? `, logged: ${verdict.logged.join(', ')}` : '';
      return {
        result: 'pass',
        policy,
        message: `verified under policy "${policy}"${logged}`,
        digest: verdict.digest,
      };
    }
    case 'skipped':
      return { result: 'skip', policy, message: `not verified: policy "${policy}" skips it` };
    case 'failed':
      return {
        result: verdict.admission.action === 'Deny' ? 'fail' : 'warn',
        policy,
        code: verdict.code,
        message: `${verdict.reason} [${verdict.code}]`,
        ...(verdict.digest !== undefined && { digest: verdict.digest }),
      };
    case 'inconclusive':
      return {
        result: 'error',
        policy,
        code: verdict.code,
        message: `could not verify: ${verdict.reason} [${verdict.code}]`,
        ...(verdict.digest !== undefined && { digest: verdict.digest }),
      };
  }
}

/** Results that mean the workload's image does not verify now (the non-compliance gauge). */
export const NON_COMPLIANT: ReadonlySet<ResultStatus> = new Set(['fail', 'warn']);
