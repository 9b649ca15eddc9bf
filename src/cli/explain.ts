// `braid explain`: the plan a pod would get, with the exact delegate configs, attaching nothing.
import type { Command } from 'commander';
export function registerExplain(_program: Command): void {}
