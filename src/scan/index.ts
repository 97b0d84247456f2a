// Public API of src/scan: the background verifier.
export { RegistryBudget, type BudgetOptions } from './budget.js';
export { budgeted } from './budgeted-registry.js';
export { PolicyFingerprints } from './impact.js';
export { judged, NON_COMPLIANT, type JudgedImage } from './results.js';
export { Scanner, type ScanObserver, type ScannerOptions } from './scanner.js';
export { workloadImages, type PullIdentity, type WorkloadImages } from './workload-images.js';
