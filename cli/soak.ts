// `npm run soak -- [--minutes N] [--rate R] [--buyers B] [--sample-seconds S]
// [--seed X] [--rejected-window-seconds W] [--hello] [--help]`: starts `npm start`
// (scripts/start.ts) with a fresh state directory, sends it steady mixed traffic
// (cli/soak/traffic.ts) for N minutes, and prints the curve of the server's
// process-tree memory and state directory size: start, middle, end, the growth
// of each half, and every sample (docs/measurements/soak.md). `--hello` runs the
// baseline instead: the same runtime with a worker that only says hello, under
// the same rate. Progress goes to stderr, the report to stdout.
// Exit code: 0 every request answered without a 5xx other than 503, 1 not, 2 no run.

import { parseArgs } from "node:util";
import { failures, progressLine, reportLines } from "./soak/report.ts";
import {
	BUYERS,
	MAX_BUYERS,
	MAX_MINUTES,
	MAX_RATE,
	runHelloBaseline,
	runSoak,
	startSoakServer,
} from "./soak/run.ts";

const USAGE = `usage: npm run soak -- [options]
  --minutes N                   how long the traffic runs (default 10, at most ${MAX_MINUTES})
  --rate R                      requests per second, steady (default 100, at most ${MAX_RATE})
  --buyers B                    the crowd: buyer sessions sending them (default ${BUYERS}, at most ${MAX_BUYERS})
  --sample-seconds S            one sample every S seconds (default 10)
  --seed X                      the traffic's random seed (default 1)
  --rejected-window-seconds W   IDEMPOTENCY_REJECTED_SECONDS for the server (default: its own, 300)
  --hello                       the baseline: the same runtime and rate, a hello-world worker
  -h, --help                    print this and exit
`;

function positive(name: string, value: string | undefined, fallback: number, max: number): number {
	if (value === undefined) return fallback;
	const n = Number(value);
	if (!Number.isFinite(n) || n <= 0 || n > max) {
		throw new Error(`--${name} must be a number in (0, ${max}], got ${JSON.stringify(value)}`);
	}
	return n;
}

async function main(): Promise<number> {
	let values: Record<string, string | boolean | undefined>;
	try {
		values = parseArgs({
			args: process.argv.slice(2),
			options: {
				minutes: { type: "string" },
				rate: { type: "string" },
				"sample-seconds": { type: "string" },
				seed: { type: "string" },
				"rejected-window-seconds": { type: "string" },
				buyers: { type: "string" },
				hello: { type: "boolean" },
				help: { type: "boolean", short: "h" },
			},
			strict: true,
		}).values;
	} catch (error) {
		process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
		return 2;
	}
	// Asked for, as with the other CLIs (bench, drop, verify-queue): the usage, and out.
	if (values.help === true) {
		process.stdout.write(USAGE);
		return 0;
	}
	let options: Parameters<typeof runSoak>[1];
	let rejectedWindow: number | null;
	try {
		const text = (name: string) => {
			const v = values[name];
			return typeof v === "string" ? v : undefined;
		};
		options = {
			minutes: positive("minutes", text("minutes"), 10, MAX_MINUTES),
			ratePerSecond: positive("rate", text("rate"), 100, MAX_RATE),
			buyers: Math.floor(positive("buyers", text("buyers"), BUYERS, MAX_BUYERS)),
			sampleSeconds: positive("sample-seconds", text("sample-seconds"), 10, 3600),
			seed: Math.floor(positive("seed", text("seed"), 1, 2 ** 31)),
		};
		const w = text("rejected-window-seconds");
		rejectedWindow = w === undefined ? null : positive("rejected-window-seconds", w, 300, 86_400);
	} catch (error) {
		process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
		return 2;
	}
	const progress = (s: Parameters<typeof progressLine>[0]) => {
		process.stderr.write(`${progressLine(s)}\n`);
	};
	if (values.hello === true) {
		process.stderr.write("baseline: a hello-world worker on the same runtime…\n");
		const result = await runHelloBaseline(options, progress);
		const title = `baseline: ${options.minutes} min of GET / at ${options.ratePerSecond} requests/s against a hello-world worker on npm start's runtime (workerd's RSS)`;
		process.stdout.write(`${reportLines(result, title).join("\n")}\n`);
		return failures(result) === 0 ? 0 : 1;
	}
	process.stderr.write("starting npm start with a fresh state directory…\n");
	const server = await startSoakServer(
		rejectedWindow === null ? {} : { IDEMPOTENCY_REJECTED_SECONDS: String(rejectedWindow) },
	);
	try {
		const result = await runSoak(server, options, progress);
		const title = `soak: ${options.minutes} min of mixed traffic at ${options.ratePerSecond} requests/s from ${options.buyers} buyers against npm start (seed ${options.seed}${rejectedWindow === null ? "" : `, IDEMPOTENCY_REJECTED_SECONDS=${rejectedWindow}`})`;
		process.stdout.write(`${reportLines(result, title).join("\n")}\n`);
		const bad = failures(result);
		if (bad > 0) process.stderr.write(`${bad} requests got no answer or a 5xx other than 503\n`);
		return bad === 0 ? 0 : 1;
	} finally {
		await server.stop();
	}
}

main().then(
	(code) => process.exit(code),
	(error) => {
		process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
		process.exit(2);
	},
);
