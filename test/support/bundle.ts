// The program the image ships (docs/adr/0009): src/cli.ts bundled by esbuild.config.js into an
// /app laid out like the image's (node_modules beside it), built once per test file.
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../harness/tools.js';
import { makeWorkdir } from '../harness/workdir.js';

export interface ImageApp {
  /** The /app folder. */
  app: string;
  /** Its dist/bundle/cli.js. */
  cli: string;
}

let built: Promise<ImageApp> | undefined;

export function imageApp(): Promise<ImageApp> {
  built ??= (async () => {
    const app = makeWorkdir('image-app');
    const { bundle } = (await import(path.join(REPO_ROOT, 'esbuild.config.js'))) as {
      bundle: (o: { outdir: string }) => Promise<string>;
    };
    const cli = await bundle({ outdir: path.join(app, 'dist/bundle') });
    // Only production dependencies sit beside it in the image (the bundle needs few of them).
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(app, 'node_modules'));
    return { app, cli };
  })();
  return built;
}
