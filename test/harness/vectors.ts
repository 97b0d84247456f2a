import path from 'node:path';
import { REPO_ROOT } from './tools.js';

/** shared/vectors/notation, beside the checkout (read-only test vectors). */
export const VECTORS =
  process.env['NOTARY_ADMISSION_VECTORS'] ?? path.resolve(REPO_ROOT, '../shared/vectors/notation');
