// `node cli/hello-cpu.ts [seconds] [--rounds N] [--against dir] [--start] [--profile prefix]`: what every
// request pays in our pipeline. workerd's own CPU per request (/proc, cli/lib/workerd-cpu.ts) of our `/healthz`
// (the LocalEntrypoint, the Hono app, every global middleware, the v1.1 envelope with meta.cost:
// docs/decisions/021-edge-per-request-cost.md) against a bare hello-world on the same runtime
// (cli/lib/ceiling-worker.ts on the Miniflare API with a direct socket), in alternating runs of
// the same shape as the bench's hello rows (64 connections). The difference is our pipeline's
// per-request CPU (docs/hot-path/edge-cost.md, "What every request pays"). Run it under
// `flock /tmp/rg-bench.lock` like every load test. With --against, the same worker built from
// another checkout of the repository (e.g. a worktree of main) runs beside this one and each
// round measures both, so a change is read as a paired difference in the same minute rather than
// across runs that other work on the machine moves. With --start, `npm start` itself
// (scripts/start.ts in its own process, as the bench's start- rows run it) answers the same load
// in each round too, its CPU counted over its process and the workerd below it: whether the
// product as a user starts it pays more per request than the bench's worker
// (docs/hot-path/start-hello.md, "`npm start` hello against bare workerd"). With --profile, one
// more run of each is sampled by workerd's inspector and written to `<prefix>-healthz.cpuprofile`
// and `<prefix>-bare.cpuprofile`.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SESSIONS } from "./bench/hot-sku.ts";
import { clientIp } from "./bench/http.ts";
import { startBenchWorker, startServerScript } from "./bench/worker.ts";
import { MINIFLARE_CONFIG } from "./lib/ceiling-worker.ts";
import { INSPECTOR_PORT, SAMPLING_INTERVAL_US, startProfile } from "./lib/inspector-profile.ts";
import { runLoad } from "./lib/load.ts";
import { startMiniflare } from "./lib/runtimes.ts";
import { helloLoad, type Measured, workerdCpuMeter } from "./lib/workerd-cpu.ts";

const args = process.argv.slice(2);
function option(name: string): string | null {
	const at = args.indexOf(name);
	return at < 0 ? null : (args.splice(at, 2)[1] ?? null);
}
const PROFILE_PREFIX = option("--profile");
const AGAINST_DIR = option("--against");
const WITH_START = args.includes("--start");
if (WITH_START) args.splice(args.indexOf("--start"), 1);
const ROUNDS = Number(option("--rounds") ?? 3);
const SECONDS = Number(args[0] ?? 3);
const MAX_SECONDS = 30;
const MAX_ROUNDS = 10;
const CONNECTIONS = 64;
/** The inspectors' ports when profiling (scripts/runtime.ts reads RG_INSPECTOR_PORT at start). */
const OURS_INSPECTOR_PORT = INSPECTOR_PORT;
const BARE_INSPECTOR_PORT = INSPECTOR_PORT + 1;

if (!Number.isFinite(SECONDS) || SECONDS < 1 || SECONDS > MAX_SECONDS) {
	throw new RangeError(`seconds must be 1..${MAX_SECONDS}`);
}
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > MAX_ROUNDS) {
	throw new RangeError(`--rounds must be 1..${MAX_ROUNDS}`);
}

function startInspector(port: number): void {
	if (PROFILE_PREFIX === null) delete process.env.RG_INSPECTOR_PORT;
	else process.env.RG_INSPECTOR_PORT = String(port);
}

startInspector(OURS_INSPECTOR_PORT);
const ours = await startBenchWorker();
// The other build is not profiled: one inspector per port.
delete process.env.RG_INSPECTOR_PORT;
const against =
	AGAINST_DIR === null
		? null
		: await (
				(await import(join(resolve(AGAINST_DIR), "cli/bench/worker.ts"))) as {
					startBenchWorker: typeof startBenchWorker;
				}
			)
				.startBenchWorker()
				.catch(async (error: unknown) => {
					await ours.stop();
					throw error;
				});
const npmStart = !WITH_START
	? null
	: await startServerScript("start").catch(async (error: unknown) => {
			await ours.stop();
			await against?.stop();
			throw error;
		});
const bareDir = mkdtempSync(join(tmpdir(), "revenue-guard-hello-cpu-"));
startInspector(BARE_INSPECTOR_PORT);
const bare = await startMiniflare({ config: MINIFLARE_CONFIG, persistDir: bareDir }).catch(
	async (error: unknown) => {
		await ours.stop();
		await against?.stop();
		await npmStart?.stop();
		throw error;
	},
);
delete process.env.RG_INSPECTOR_PORT;
try {
	const address = (i: number) => clientIp(i % SESSIONS);
	const oursLoad = helloLoad(ours.url, CONNECTIONS, SECONDS, address);
	const bareLoad = { ...helloLoad(bare.directUrl, CONNECTIONS, SECONDS, address) };
	bareLoad.url = `${bare.directUrl}/`;
	// Both workerd processes are children of this one; the idle one adds nothing measurable.
	const measured = workerdCpuMeter();
	await runLoad({ ...bareLoad, durationSec: 1 });
	await runLoad({ ...oursLoad, durationSec: 1 });
	const round = (n: number) => Math.round(n * 10) / 10;
	const figures = (m: Measured) => ({
		cpuUsPerReq: round(m.cpuUs),
		reqPerSec: Math.round(m.result.reqPerSec),
		statuses: m.result.statusCounts,
	});
	const againstLoad =
		against === null ? null : helloLoad(against.url, CONNECTIONS, SECONDS, address);
	if (againstLoad !== null) await runLoad({ ...againstLoad, durationSec: 1 });
	const startLoad =
		npmStart === null ? null : helloLoad(npmStart.url, CONNECTIONS, SECONDS, address);
	if (startLoad !== null) await runLoad({ ...startLoad, durationSec: 1 });
	const rows: {
		bare: Measured;
		healthz: Measured;
		against: Measured | null;
		start: Measured | null;
	}[] = [];
	for (let r = 0; r < ROUNDS; r++) {
		const b = await measured(bareLoad);
		// Alternate which build goes first, so neither always follows the bare run.
		let h: Measured;
		let a: Measured | null = null;
		if (againstLoad !== null && r % 2 === 1) {
			a = await measured(againstLoad);
			h = await measured(oursLoad);
		} else {
			h = await measured(oursLoad);
			if (againstLoad !== null) a = await measured(againstLoad);
		}
		const st = startLoad === null ? null : await measured(startLoad);
		rows.push({ bare: b, healthz: h, against: a, start: st });
		console.log(
			JSON.stringify({
				round: r + 1,
				bare: figures(b),
				healthz: figures(h),
				pipelineCpuUsPerReq: round(h.cpuUs - b.cpuUs),
				healthzXBareByCpu: +(b.cpuUs / h.cpuUs).toFixed(3),
				healthzXBareByRate: +(h.result.reqPerSec / b.result.reqPerSec).toFixed(3),
				...(a === null
					? {}
					: {
							against: figures(a),
							againstPipelineCpuUsPerReq: round(a.cpuUs - b.cpuUs),
							againstXBareByCpu: +(b.cpuUs / a.cpuUs).toFixed(3),
							againstXBareByRate: +(a.result.reqPerSec / b.result.reqPerSec).toFixed(3),
						}),
				...(st === null
					? {}
					: {
							start: figures(st),
							startXBareByCpu: +(b.cpuUs / st.cpuUs).toFixed(3),
							startXBareByRate: +(st.result.reqPerSec / b.result.reqPerSec).toFixed(3),
						}),
			}),
		);
	}
	const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
	const medians = (pick: (x: (typeof rows)[number]) => Measured | null) => {
		const picked = rows.flatMap((x) => {
			const m = pick(x);
			return m === null ? [] : [{ m, b: x.bare }];
		});
		return {
			cpuUsPerReq: round(median(picked.map(({ m }) => m.cpuUs))),
			pipelineCpuUsPerReq: round(median(picked.map(({ m, b }) => m.cpuUs - b.cpuUs))),
			xBareByCpu: median(picked.map(({ m, b }) => +(b.cpuUs / m.cpuUs).toFixed(3))),
			xBareByRate: median(
				picked.map(({ m, b }) => +(m.result.reqPerSec / b.result.reqPerSec).toFixed(3)),
			),
		};
	};
	console.log(
		JSON.stringify({
			medians: true,
			bareCpuUsPerReq: round(median(rows.map((x) => x.bare.cpuUs))),
			healthz: medians((x) => x.healthz),
			...(against === null ? {} : { against: medians((x) => x.against) }),
			...(npmStart === null ? {} : { start: medians((x) => x.start) }),
		}),
	);
	if (PROFILE_PREFIX !== null) {
		for (const [name, port, worker, load] of [
			["healthz", OURS_INSPECTOR_PORT, "revenue-guard", oursLoad],
			["bare", BARE_INSPECTOR_PORT, MINIFLARE_CONFIG.name, bareLoad],
		] as const) {
			const stop = await startProfile(port, SAMPLING_INTERVAL_US, worker);
			const result = await runLoad(load);
			writeFileSync(`${PROFILE_PREFIX}-${name}.cpuprofile`, JSON.stringify(await stop()));
			console.log(JSON.stringify({ profiled: name, reqPerSec: Math.round(result.reqPerSec) }));
		}
	}
} finally {
	await bare.stop();
	await ours.stop();
	await against?.stop();
	await npmStart?.stop();
	rmSync(bareDir, { recursive: true, force: true });
}
