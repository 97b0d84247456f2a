// The settings of issue 16 (`--policy-source kubernetes` only: they write to the cluster):
// Events for denials, warnings and audits; the background verifier (its interval, its registry
// budget, its Lease and the namespaces it leaves alone), which keeps the PolicyReports.
import { isNamespaceName } from './kube-settings.js';
import { each, str, type FlagSpec, type Layers } from './sources.js';
import { BadValue, parseDuration } from './values.js';

export interface VisibilitySettings {
  /** Kubernetes Events for every denial and Warn/Audit outcome (off: `--no-events`). */
  events: boolean;
  /** Between two full passes of the background verifier; null: no scan, no PolicyReports. */
  scanIntervalMs: number | null;
  /** Requests per second the scan may send each registry host. */
  scanRegistryRps: number;
  /** The coordination.k8s.io Lease (in the trust namespace) that picks the one scanning replica. */
  scanLeaseName: string;
  scanLeaseDurationMs: number;
  /** Namespaces never scanned (those admission exempts); default kube-system and the trust one. */
  scanSkipNamespaces?: string[];
}

export const VISIBILITY_DEFAULTS = {
  events: true,
  scanIntervalMs: 3_600_000,
  scanRegistryRps: 5,
  scanLeaseName: 'notary-admission-scan',
  scanLeaseDurationMs: 15_000,
} as const satisfies VisibilitySettings;

/** A config file value that must be a string (or, above, a number). */
function jsonString(v: unknown): string {
  if (typeof v !== 'string') throw new BadValue('must be a string or a number');
  return v;
}

export const VISIBILITY_FLAGS: FlagSpec[] = [
  {
    flag: 'no-events',
    kind: 'boolean',
    key: 'events',
    help: 'no Kubernetes Events for denials, warnings and audits (config file: events false)',
    default: 'Events on (kubernetes)',
    fromJson: (v) => {
      if (typeof v !== 'boolean') throw new BadValue('must be true or false');
      return !v;
    },
  },
  {
    flag: 'scan-interval',
    kind: 'string',
    key: 'scanIntervalMs',
    placeholder: 'DURATION|off',
    help: 'full pass of the background verifier over running workloads (PolicyReports); off: none',
    default: '1h',
    fromJson: (v) => (v === null ? 'off' : typeof v === 'number' ? String(v) : jsonString(v)),
  },
  {
    flag: 'scan-registry-rps',
    kind: 'string',
    key: 'scanRegistryRps',
    placeholder: 'N',
    help: 'requests per second the background verifier may send each registry host',
    default: '5',
    fromJson: (v) => (typeof v === 'number' ? String(v) : jsonString(v)),
  },
  {
    flag: 'scan-lease-name',
    kind: 'string',
    key: 'scanLeaseName',
    placeholder: 'NAME',
    help: 'the Lease (in the trust namespace) that lets one replica scan',
    default: 'notary-admission-scan',
  },
  {
    flag: 'scan-lease-duration',
    kind: 'string',
    key: 'scanLeaseDurationMs',
    placeholder: 'DURATION',
    help: 'how long the scan Lease holds without renewal (whole seconds)',
    default: '15s',
  },
  {
    flag: 'scan-skip-namespace',
    kind: 'list',
    key: 'scanSkipNamespaces',
    placeholder: 'NS',
    help: 'namespace the background verifier leaves out (repeatable; admission-exempt ones)',
    default: 'kube-system and the trust namespace',
  },
];

/** The flags above are `--policy-source kubernetes`'s alone. */
export const VISIBILITY_FLAG_NAMES = VISIBILITY_FLAGS.map((f) => f.flag);

const rps = str((text) => {
  const n = Number(text.trim());
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(n > 0) || n > 10_000)
    throw new BadValue(`"${text}" is not a number of requests per second (> 0, e.g. 5 or 0.5)`);
  return n;
});

const interval = str((text) =>
  text.trim().toLowerCase() === 'off' ? null : parseDuration(text, 1_000),
);

const namespace = each((text) => {
  if (!isNamespaceName(text)) throw new BadValue(`"${text}" is not a namespace name`);
  return text;
});

const leaseName = str((text) => {
  if (!isNamespaceName(text)) throw new BadValue(`"${text}" is not a Lease name (a DNS label)`);
  return text;
});

/** The visibility settings from the flag layers. */
export function visibilitySettings(layers: Layers): VisibilitySettings {
  const D = VISIBILITY_DEFAULTS;
  const skip = layers.get('scan-skip-namespace', namespace, undefined);
  return {
    events: !layers.get('no-events', (raw) => raw.value === true, !D.events),
    scanIntervalMs: layers.get('scan-interval', interval, D.scanIntervalMs),
    scanRegistryRps: layers.get('scan-registry-rps', rps, D.scanRegistryRps),
    scanLeaseName: layers.get('scan-lease-name', leaseName, D.scanLeaseName),
    scanLeaseDurationMs: layers.get(
      'scan-lease-duration',
      str((t) => parseDuration(t, 1_000)),
      D.scanLeaseDurationMs,
    ),
    ...(skip !== undefined && { scanSkipNamespaces: skip }),
  };
}
