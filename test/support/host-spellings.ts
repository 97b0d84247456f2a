// fast-check arbitraries for standing decision 9: a registry host in normal form together with
// another spelling of it (case, trailing dot, `:443`, zero-padded ports, IPv4 shorthands, IPv6
// forms, Docker Hub aliases). The normal form is computed here independently of src/names (the
// RFC 5952 and IPv4 rules written out), so the property tests are not the code checking itself.
import fc from 'fast-check';

export interface Spelling {
  normal: string;
  spelling: string;
}

const label = fc.stringMatching(/^[a-z](?:[a-z0-9-]{0,6}[a-z0-9])?$/);
const port = fc.integer({ min: 1, max: 65535 }).filter((p) => p !== 443);

/** A host name that Docker's reference rule reads as a registry: it has a dot, or is localhost. */
const name = fc.oneof(
  fc.array(label, { minLength: 2, maxLength: 4 }).map((labels) => labels.join('.')),
  fc.constant('localhost'),
);

const randomCase = (text: string) =>
  fc
    .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((upper) => [...text].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));

/** `:443`, `:0443`, or nothing for a host without port; zero-padding for any other. */
function portSpelling(p: number | undefined): fc.Arbitrary<string> {
  if (p === undefined) return fc.constantFrom('', ':443', ':0443', ':00443');
  return fc.integer({ min: 0, max: 3 }).map((zeros) => `:${'0'.repeat(zeros)}${p}`);
}

const withPort = (host: string, p: number | undefined) => (p === undefined ? host : `${host}:${p}`);

const hostName: fc.Arbitrary<Spelling> = fc
  .tuple(name, fc.option(port, { nil: undefined }))
  .chain(([host, p]) =>
    fc.tuple(randomCase(host), fc.boolean(), portSpelling(p)).map(([cased, dot, ps]) => ({
      normal: withPort(host, p),
      spelling: `${cased}${dot ? '.' : ''}${ps}`,
    })),
  );

/** IPv4 in the forms the WHATWG parser (and inet_aton) read: 1 to 4 parts, decimal/hex/octal. */
const ipv4: fc.Arbitrary<Spelling> = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
    fc.integer({ min: 1, max: 4 }),
    fc.array(fc.constantFrom(10, 16, 8), { minLength: 4, maxLength: 4 }),
    fc.boolean(),
    fc.option(port, { nil: undefined }),
  )
  .chain(([bytes, parts, radixes, dot, p]) => {
    // The last part holds the remaining bytes as one number.
    const head = bytes.slice(0, parts - 1);
    const tail = bytes.slice(parts - 1).reduce((n, b) => n * 256 + b, 0);
    const numbers = [...head, tail];
    const written = numbers.map((n, i) => {
      const radix = radixes[i]!;
      if (radix === 16) return `0x${n.toString(16)}`;
      if (radix === 8 && n > 0) return `0${n.toString(8)}`;
      return String(n);
    });
    const host = `${written.join('.')}${dot ? '.' : ''}`;
    return portSpelling(p).map((ps) => ({
      normal: withPort(bytes.join('.'), p),
      spelling: `${host}${ps}`,
    }));
  });

/** RFC 5952: lower-case hex without leading zeros; the first longest run (≥ 2) of zeros as `::`. */
function rfc5952(groups: number[]): string {
  let best = { at: -1, length: 1 };
  for (let i = 0; i < groups.length;) {
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}

/** IPv6 written in full, with leading zeros and random case; never IPv4-mapped. */
const ipv6: fc.Arbitrary<Spelling> = fc
  .tuple(
    fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
      minLength: 8,
      maxLength: 8,
    }),
    fc.option(port, { nil: undefined }),
  )
  .filter(([g]) => !(g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff))
  .chain(([groups, p]) =>
    fc
      .tuple(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
        portSpelling(p),
      )
      .chain(([pads, ps]) => {
        const full = groups.map((g, i) => g.toString(16).padStart(pads[i]! + 1, '0')).join(':');
        return randomCase(full).map((cased) => ({
          normal: withPort(`[${rfc5952(groups)}]`, p),
          spelling: `[${cased}]${ps}`,
        }));
      }),
  );

const dockerHub: fc.Arbitrary<Spelling> = fc
  .constantFrom('docker.io', 'index.docker.io', 'registry-1.docker.io')
  .chain((alias) =>
    fc.tuple(randomCase(alias), fc.boolean(), portSpelling(undefined)).map(([c, dot, ps]) => ({
      normal: 'docker.io',
      spelling: `${c}${dot ? '.' : ''}${ps}`,
    })),
  );

/** A registry host in normal form and one of its spellings. */
export const hostSpellings = (): fc.Arbitrary<Spelling> =>
  fc.oneof(hostName, ipv4, ipv6, dockerHub);
