#!/usr/bin/env node
// The benchmark the project quotes (issue 9): braid against the floor (the same plugins called directly) in one
// run, on real plugins in throwaway network namespaces; ratios, goals with a pass/miss mark, and
// bench/results/<date>.json + .svg. Needs root and a build (`npm run bench` builds first).
//   npm run bench                 full run, about 10 minutes on 2 cores
//   npm run bench -- --quick      about a minute
//   MULTUS_BIN=/path/to/multus npm run bench     also Multus thin against the same stand-in and delegates
// The modules are in scripts/bench/ (main.mjs outside the namespaces, inner.mjs inside the node netns).
import { main } from './bench/main.mjs';

process.exitCode = await main();
