// metav1.LabelSelector with Kubernetes semantics (apimachinery labels.Selector via
// LabelSelectorAsSelector): matchLabels and matchExpressions are ANDed; In needs the label with
// one of the values, NotIn accepts a missing label, Exists/DoesNotExist test presence only.
// An absent or empty selector selects every namespace, as a webhook's namespaceSelector does.

export type Labels = Readonly<Record<string, string>>;

export type SelectorResult =
  | { ok: true; empty: boolean; matches: (labels: Labels) => boolean }
  | { ok: false; message: string };

type Requirement = (labels: Labels) => boolean;

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const has = (labels: Labels, key: string): boolean => Object.hasOwn(labels, key);

/** validation.IsQualifiedName: `[prefix/]name`, name ≤ 63, prefix a DNS subdomain ≤ 253. */
export function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts.at(-1) ?? '';
  const prefix = parts.length === 2 ? (parts[0] ?? '') : undefined;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && NAME.test(name);
}

/** validation.IsValidLabelValue: empty, or ≤ 63 characters of the name alphabet. */
export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && NAME.test(value));
}

class SelectorProblem extends Error {}

function checkKey(key: unknown, at: string): string {
  if (typeof key !== 'string' || !isQualifiedName(key))
    throw new SelectorProblem(`${at}: ${JSON.stringify(key)} is not a valid label key`);
  return key;
}

function checkValues(raw: unknown, at: string): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new SelectorProblem(`${at}: must be a list of strings`);
  return raw.map((value: unknown, i) => {
    if (typeof value !== 'string' || !isLabelValue(value))
      throw new SelectorProblem(`${at}[${i}]: ${JSON.stringify(value)} is not a valid label value`);
    return value;
  });
}

function expression(raw: unknown, at: string): Requirement {
  if (!isRecord(raw)) throw new SelectorProblem(`${at}: must be an object`);
  const key = checkKey(raw['key'], `${at}.key`);
  const operator = raw['operator'];
  const values = checkValues(raw['values'], `${at}.values`);
  if (typeof operator !== 'string' || !OPERATORS.includes(operator))
    throw new SelectorProblem(
      `${at}.operator: ${JSON.stringify(operator)} is not one of ${OPERATORS.join(', ')}`,
    );
  const set = operator === 'In' || operator === 'NotIn';
  if (set && values.length === 0)
    throw new SelectorProblem(`${at}.values: must be non-empty for operator ${operator}`);
  if (!set && values.length > 0)
    throw new SelectorProblem(`${at}.values: must be empty for operator ${operator}`);
  if (operator === 'In') return (l) => has(l, key) && values.includes(l[key] ?? '');
  if (operator === 'NotIn') return (l) => !has(l, key) || !values.includes(l[key] ?? '');
  if (operator === 'Exists') return (l) => has(l, key);
  return (l) => !has(l, key);
}

function requirements(selector: Record<string, unknown>, path: string): Requirement[] {
  const { matchLabels, matchExpressions } = selector;
  const unknown = Object.keys(selector).find(
    (k) => k !== 'matchLabels' && k !== 'matchExpressions',
  );
  if (unknown !== undefined) throw new SelectorProblem(`${path}.${unknown}: unknown member`);
  const out: Requirement[] = [];
  if (isRecord(matchLabels)) {
    for (const [key, value] of Object.entries(matchLabels)) {
      const at = `${path}.matchLabels`;
      checkKey(key, at);
      if (typeof value !== 'string' || !isLabelValue(value))
        throw new SelectorProblem(
          `${at}.${key}: ${JSON.stringify(value)} is not a valid label value`,
        );
      out.push((l) => has(l, key) && l[key] === value);
    }
  } else if (matchLabels !== undefined && matchLabels !== null) {
    throw new SelectorProblem(`${path}.matchLabels: must be a map of label keys to values`);
  }
  if (Array.isArray(matchExpressions)) {
    matchExpressions.forEach((raw: unknown, i) => {
      out.push(expression(raw, `${path}.matchExpressions[${i}]`));
    });
  } else if (matchExpressions !== undefined && matchExpressions !== null) {
    throw new SelectorProblem(`${path}.matchExpressions: must be a list`);
  }
  return out;
}

/**
 * Compiles a label selector; `path` names it in messages. An invalid selector is reported, never
 * treated as empty (that would widen the policy to every namespace).
 */
export function compileSelector(
  selector: unknown,
  path = 'spec.namespaceSelector',
): SelectorResult {
  if (selector === undefined || selector === null)
    return { ok: true, empty: true, matches: () => true };
  if (!isRecord(selector))
    return { ok: false, message: `${path}: must be a label selector object` };
  try {
    const all = requirements(selector, path);
    return { ok: true, empty: all.length === 0, matches: (labels) => all.every((r) => r(labels)) };
  } catch (err) {
    if (err instanceof SelectorProblem) return { ok: false, message: err.message };
    throw err;
  }
}
