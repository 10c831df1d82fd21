// `node cli/bench/load-child.ts '<FreshLoadSpec as JSON>'`: the child of cli/bench/fresh-load.ts.
// Loads runLoad, warms up (the spec's warmupSec), prints READY, waits for a line on stdin, runs
// the load once and prints one JSON line (FreshLoadResult): the load's result and what this
// process's generator did meanwhile.

import { createInterface } from "node:readline";
import { runLoad } from "../lib/load.ts";
import {
	type FreshLoadResult,
	type FreshLoadSpec,
	gcClock,
	memoryMb,
	READY,
} from "./fresh-load.ts";
import { HELLO_HEADERS } from "./ours.ts";

const { helloHeaders, warmupSec, ...spec } = JSON.parse(process.argv[2] ?? "{}") as FreshLoadSpec;
const load = { ...spec, ...(helloHeaders ? { headersFactory: HELLO_HEADERS } : {}) };
if (warmupSec !== undefined) await runLoad({ ...load, amount: undefined, durationSec: warmupSec });
const input = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
process.stdout.write(`${READY}\n`);
await input.next();
const gc = gcClock();
const before = process.cpuUsage();
const result = await runLoad(load);
const cpu = process.cpuUsage(before);
const answer: FreshLoadResult = {
	result,
	generator: { cpuUs: cpu.user + cpu.system, gcMs: Math.round(gc.ms() * 10) / 10, ...memoryMb() },
};
gc.stop();
process.stdout.write(`${JSON.stringify(answer)}\n`);
process.exit(0);
