// No cache: every review re-verifies (ours `--no-cache`, Ratify without `--cache-enabled`), closed
// loop at concurrency 1 on one core: requests/s and server CPU per verification, and the registry
// requests each verification makes (counted at test/support/counting-proxy.ts).
import type { PushedImage } from '../../test/harness/index.js';
import { startCountingProxy } from '../../test/support/counting-proxy.js';
import { sendOk } from './client.js';
import { num, ORDER, ratio, table } from './md.js';
import { SERVER_CPU, withPeers } from './servers.js';
import { addRegistryHost, via, type PeerBench } from './setup.js';
import { CPU_HEAD, cpuPer, HEAD, interleaved, NAMES, perRound, ratios, row } from './slices.js';
import type { Figures } from './targets.js';

/** Every request verifies afresh: ours `--no-cache`, Ratify without `--cache-enabled`. */
export async function noCachePart(
  b: PeerBench,
  image: PushedImage,
  figures: Figures,
): Promise<string> {
  const proxy = await startCountingProxy(b.registry.url);
  addRegistryHost(b, proxy.host);
  try {
    return await withPeers(
      b,
      { cpu: SERVER_CPU, cache: false, tag: 'nocache' },
      async (servers) => {
        const requests: string[] = [];
        for (const n of NAMES) {
          await sendOk(b, servers[n], [image.reference], 5);
          const from = proxy.requests.length;
          await sendOk(b, servers[n], [via(b, image.reference, proxy.host)], 10);
          requests.push(num((proxy.requests.length - from) / 10));
        }
        const slices = await interleaved(b, servers, [image.reference], [1]);
        figures.push({
          name: 'server CPU per uncached verification (no cache, concurrency 1)',
          unit: 'µs',
          ...perRound(slices, 1, (s) => cpuPer(s) * 1000),
          rule: { kind: 'ratio-max', max: 1 },
        });
        const rows = [1, 2].flatMap((r) => [
          ...ORDER[r - 1]!.map((n) => [
            ...row(r, n, 1, slices.get(`${r} ${n} 1`)!),
            requests[NAMES.indexOf(n)]!,
          ]),
          [
            r,
            '**ours ÷ Ratify**',
            1,
            ratios(slices, r, (x) => x.summary.throughput),
            '',
            '',
            ratio(cpuPer(slices.get(`${r} ours 1`)!), cpuPer(slices.get(`${r} ratify 1`)!)),
            '',
            '',
          ],
        ]);
        return table(
          [...HEAD, 'server CPU µs/verification', CPU_HEAD[1]!, 'registry requests/verification'],
          rows,
        );
      },
    );
  } finally {
    await proxy.stop();
  }
}
