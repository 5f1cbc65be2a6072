// Bundles src/main.jsx (React, react-jsonschema-form, ajv) into dist/app.js with esbuild.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export async function build() {
  await esbuild.build({
    entryPoints: [join(here, 'src/main.jsx')],
    outfile: join(here, 'dist/app.js'),
    bundle: true,
    format: 'iife',
    jsx: 'automatic',
    minify: true,
    sourcemap: 'linked',
    target: ['chrome120'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await build();
  console.log('built dist/app.js');
}
