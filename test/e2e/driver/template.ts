// `{{ path }}` placeholders in scenario files: the values only known at run time (registry hosts,
// digests, the signer's name, certificates). A multi-line value (a PEM certificate) is indented
// like the line its placeholder is on, so it fits a YAML block scalar (`- |`); prettier leaves
// block scalars alone. `{{ path | base64 }}` for Secret data.

/** Nested variables: `image.signed.digest` is vars.image.signed.digest. */
export interface Vars {
  [name: string]: string | Vars;
}

const PLACEHOLDER = /\{\{\s*([\w.-]+)\s*(?:\|\s*(base64)\s*)?\}\}/g;

/** The value at a dotted path; throws naming the path when it is missing or not a string. */
export function lookup(vars: Vars, path: string): string {
  let at: string | Vars | undefined = vars;
  for (const key of path.split('.')) {
    at = typeof at === 'object' ? at[key] : undefined;
    if (at === undefined) throw new Error(`unknown placeholder {{ ${path} }}`);
  }
  if (typeof at !== 'string') throw new Error(`placeholder {{ ${path} }} is not a value`);
  return at;
}

/** The whitespace that starts the line `offset` is on. */
function indentAt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
}

/** Replaces every placeholder of `text`; an unknown one throws (a typo must not pass silently). */
export function render(text: string, vars: Vars): string {
  return text.replace(
    PLACEHOLDER,
    (_: string, path: string, filter: string | undefined, offset: number) => {
      const value = lookup(vars, path);
      if (filter === 'base64') return Buffer.from(value).toString('base64');
      if (!value.includes('\n')) return value;
      return value.replace(/\n$/, '').replaceAll('\n', `\n${indentAt(text, offset)}`);
    },
  );
}
