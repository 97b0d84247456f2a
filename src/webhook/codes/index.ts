// The catalogue of codes (see types.ts): one entry per code a denial can show, and per
// configuration code. docs/troubleshooting.md's tables are rendered from it
// (test/lint/codes-table.ts), and test/lint/codes.test.ts keeps src/ and the doc in step with it.
import { ADMISSION_CODES } from './admission.js';
import { DCT_CODES } from './dct.js';
import { REGISTRY_CODES } from './registry.js';
import type { Catalogue, DenialCode, DenialEntry } from './types.js';
import { VERIFICATION_CODES } from './verification.js';

export { CONFIGURATION_CODES } from './configuration.js';
export type * from './types.js';

/** Which part of the service gives the code. */
export type CodeOrigin = 'verifier' | 'registry' | 'admission' | 'dct';

export interface DenialCodeInfo extends DenialEntry {
  readonly code: DenialCode;
  readonly origin: CodeOrigin;
}

/** Every denial code with its entry. A code in two unions (TIMEOUT) is the registry's. */
export const DENIAL_CODES: Catalogue<DenialCode, DenialEntry> = {
  ...VERIFICATION_CODES,
  ...REGISTRY_CODES,
  ...ADMISSION_CODES,
  ...DCT_CODES,
};

const ORIGINS: [CodeOrigin, object][] = [
  ['verifier', VERIFICATION_CODES],
  ['registry', REGISTRY_CODES],
  ['admission', ADMISSION_CODES],
  ['dct', DCT_CODES],
];

/** Whether a string is a code a denial may show. */
export function isDenialCode(code: string): code is DenialCode {
  return Object.hasOwn(DENIAL_CODES, code);
}

/** The denial codes in alphabetical order, each with where it comes from. */
export function denialCodes(): DenialCodeInfo[] {
  return ORIGINS.flatMap(([origin, codes]) =>
    Object.keys(codes).map((code) => {
      const c = code as DenialCode;
      return { code: c, origin, ...DENIAL_CODES[c] };
    }),
  ).sort((a, b) => (a.code < b.code ? -1 : 1));
}
