#!/usr/bin/env node
// `npm run soak` (issue 12): ADD/DEL cycles through the compiled executable and the daemon, on real plugins in
// throwaway network namespaces, with random network counts, concurrency and injected faults (a delegate that fails
// or hangs, braid SIGKILLed mid-ADD, the daemon SIGKILLed, the API server down); then checks that no address,
// interface, file, namespace, process, file descriptor or daemon memory is left behind. Needs root and a build.
//   npm run soak                                  1,000 cycles (a few minutes)
//   node scripts/soak.mjs --cycles 40 --seed 7    a short one; the seed repeats a schedule
//   node scripts/soak.mjs --help                  every option
// The modules are in scripts/soak/ (main.mjs outside the namespaces, inner.mjs inside the node netns).
import { main } from './soak/main.mjs';

process.exitCode = await main();
