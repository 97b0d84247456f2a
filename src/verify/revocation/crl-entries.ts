// Looking a certificate up in a base CRL and its delta (notation-core-go internal/crl
// checkRevocation): certificateHold counts as revoked unless a later removeFromCRL lifts it,
// and an invalidity date after the SA signing time does not count.
import type * as pkijs from 'pkijs';
import { RevocationCheckError } from './fetcher.js';
import { EXT, REASON, invalidityDate, reasonCode, rejectUnknownCritical } from './extensions.js';

const ENTRY_EXTENSIONS = [EXT.reasonCode, EXT.invalidityDate];

interface Entry {
  reason: number | undefined;
  revokedAt: Date;
  invalidAfter: Date | undefined;
}

function matching(crl: pkijs.CertificateRevocationList, serial: bigint): Entry[] {
  const entries: Entry[] = [];
  for (const revoked of crl.revokedCertificates ?? []) {
    if (revoked.userCertificate.toBigInt() !== serial) continue;
    const extensions = revoked.crlEntryExtensions?.extensions;
    rejectUnknownCritical(extensions, ENTRY_EXTENSIONS, 'the CRL entry of the certificate');
    entries.push({
      reason: reasonCode(extensions),
      revokedAt: revoked.revocationDate.value,
      invalidAfter: invalidityDate(extensions),
    });
  }
  return entries;
}

/** Whether the CRLs (base first, then delta) revoke the certificate with this serial. */
export function isRevoked(
  crls: readonly pkijs.CertificateRevocationList[],
  serial: bigint,
  authenticSigningTime: Date | undefined,
): boolean {
  let latestTemporary: Entry | undefined;
  for (const crl of crls) {
    for (const entry of matching(crl, serial)) {
      if (authenticSigningTime && entry.invalidAfter && authenticSigningTime < entry.invalidAfter) {
        continue; // the key was still good when the signing authority signed
      }
      if (entry.reason !== REASON.certificateHold && entry.reason !== REASON.removeFromCRL) {
        return true;
      }
      if (!latestTemporary || latestTemporary.revokedAt < entry.revokedAt) latestTemporary = entry;
    }
  }
  return latestTemporary?.reason === REASON.certificateHold;
}

/** The serial number of a certificate, as a bigint (DER integers compare by value). */
export function serialOf(cert: pkijs.Certificate): bigint {
  try {
    return cert.serialNumber.toBigInt();
  } catch {
    throw new RevocationCheckError('the certificate serial number is malformed');
  }
}
