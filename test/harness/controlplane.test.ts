import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, VERSIONS, type ControlPlane } from './index.js';

describe('startControlPlane', () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(() => cp.stop());

  it('answers kubectl get ns with the built-in namespaces', async () => {
    const result = await cp.kubectl(['get', 'ns', '-o', 'name']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual(
      expect.arrayContaining(['namespace/default', 'namespace/kube-system']),
    );
  });

  it('runs the pinned kube-apiserver version', async () => {
    const result = await cp.kubectl(['version', '-o', 'json']);
    const server = (JSON.parse(result.stdout) as { serverVersion: { gitVersion: string } })
      .serverVersion;
    expect(server.gitVersion).toBe(VERSIONS['kube-apiserver']);
  });

  it('admits a Pod through the API server (server-side dry run)', async () => {
    const result = await cp.kubectl([
      'run',
      'probe',
      '--image=127.0.0.1:5000/demo/app:v1',
      '--dry-run=server',
      '-o',
      'name',
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('pod/probe');
  });
});
