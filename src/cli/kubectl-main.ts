// The `kubectl-braid` executable: kubectl finds it on the PATH and runs it for `kubectl braid …`.
import { runKubectlBraid } from './kubectl.js';

process.exitCode = await runKubectlBraid(process.argv);
