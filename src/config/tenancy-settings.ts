// The setting of issue 17 (`--policy-source kubernetes` only): the longest a break-glass
// TrustPolicyException may run from its creation. The chart passes the same value to the
// ValidatingAdmissionPolicy that refuses a longer one at creation; the service refuses to honour
// one anyway (status DurationTooLong), should it get past a cluster without that policy.
import { DEFAULT_MAX_EXCEPTION_MS } from './crd/tenancy-types.js';
import { str, type FlagSpec, type Layers } from './sources.js';
import { BadValue, parseDuration } from './values.js';

export const TENANCY_FLAGS: FlagSpec[] = [
  {
    flag: 'max-exception-duration',
    kind: 'string',
    key: 'maxExceptionDuration',
    placeholder: 'DURATION',
    help: 'the longest a TrustPolicyException may run from its creation (chart: exceptions.maxDuration)',
    default: '24h',
  },
];

/** The flags above are `--policy-source kubernetes`'s alone. */
export const TENANCY_FLAG_NAMES = TENANCY_FLAGS.map((f) => f.flag);

/** A year: an exception is break glass, not a policy. */
const MAX_MS = 366 * 24 * 3_600_000;

const duration = str((text) => {
  const ms = parseDuration(text, 60_000);
  if (ms > MAX_MS) throw new BadValue(`"${text}" is longer than 366 days`);
  return ms;
});

/** `--max-exception-duration` in ms (default 24 h). */
export function maxExceptionMs(layers: Layers): number {
  return layers.get('max-exception-duration', duration, DEFAULT_MAX_EXCEPTION_MS);
}
