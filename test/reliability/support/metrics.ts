/** Sum of the samples of `name` at `${metricsUrl}/metrics` whose labels include every pair given. */
export async function metric(
  metricsUrl: string | undefined,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  if (metricsUrl === undefined) throw new Error('the service has no metrics listener');
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const have = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`)))
      total += Number(m[3]);
  }
  return total;
}
