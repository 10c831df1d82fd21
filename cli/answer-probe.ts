// `node cli/answer-probe.ts [--against <checkout>] [--rounds R] [--block N] [--kinds sold-out,hello] [--ipv6] [--profile out.cpuprofile]`:
// what one answer costs our code inside the isolate, without the socket and HTTP parsing
// (docs/hot-path/sold-out.md, "The sold-out answer's own cost"). Each build (this checkout, and with
// --against another checkout of the project) is bundled as `wrangler deploy --dry-run` bundles
// the Worker, from an entry written under that checkout's .wrangler/ that adds one entrypoint to
// the Worker's own exports: a request to its `/__probe` runs N answers through the app's `fetch`
// one after another in that one request; every other request goes to the product's entrypoint.
// The deployed Worker is untouched (the entry is not its `main`). Both builds run at once, each
// its own workerd with fresh state; the blocks of N alternate between builds, the order swapped
// each round, and each block is timed from outside (wall clock around the probe request) and by
// its workerd's CPU time (every thread's, /proc/<pid>/task/*/schedstat, Linux).
// Kinds: `sold-out` (an unkeyed reserve of a SKU with no stock: the edge's 409), `hello`
// (GET /healthz, no token, as the bench's hello).
// With --profile FILE (no --against), the measured rounds are sampled by workerd's inspector.
// Run it under `flock /tmp/rg-bench.lock` like every measurement.

import { spawnSync } from "node:child_process";
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildUi } from "../scripts/build-ui.ts";
import { workerVars } from "../scripts/config.ts";
import { readWranglerConfig, startProduct } from "../scripts/runtime.ts";
import { adminHeaders, createBenchProduct, SETUP_WIDTH } from "./bench/hot-sku.ts";
import { mintSessions } from "./bench/http.ts";
import { INSPECTOR_PORT, profileTo } from "./lib/inspector-profile.ts";
import { childPids } from "./lib/workerd-cpu.ts";

const ROOT = resolve(import.meta.dirname, "..");
const ENTRYPOINT = "AnswerProbeEntrypoint";
const SESSIONS = 64;
const KINDS = ["sold-out", "hello"] as const;
type Kind = (typeof KINDS)[number];

const args = process.argv.slice(2);
function option(name: string): string | undefined {
	const at = args.indexOf(name);
	return at < 0 ? undefined : args[at + 1];
}
const AGAINST = option("--against");
const ROUNDS = Number(option("--rounds") ?? 20);
const BLOCK = Number(option("--block") ?? 2000);
/** With --profile FILE (one build only), the isolate is sampled over the sold-out blocks of every round. */
const PROFILE = option("--profile") ?? null;
/** With --ipv6, every probe request comes from an IPv6 address (its own /64) instead of 10.x IPv4. */
const IPV6 = args.includes("--ipv6");
if (PROFILE !== null && AGAINST !== undefined) throw new RangeError("--profile profiles one build");
if (PROFILE !== null) process.env.RG_INSPECTOR_PORT = String(INSPECTOR_PORT);
const kinds = (option("--kinds") ?? "sold-out,hello").split(",") as Kind[];
for (const kind of kinds) if (!KINDS.includes(kind)) throw new RangeError(`unknown kind ${kind}`);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new RangeError("--rounds must be ≥ 1");
if (!Number.isInteger(BLOCK) || BLOCK < 1) throw new RangeError("--block must be ≥ 1");

/** The entry each build is bundled from: the Worker's exports plus the probe's entrypoint. */
const ENTRY = `
export * from "../../src/worker/index.ts";
export { default } from "../../src/worker/index.ts";
import { app } from "../../src/worker/app.ts";
import { LocalEntrypoint } from "../../src/worker/local-entry.ts";

function requestOf(kind, i, input) {
	// --ipv6: each request from its own /64, as the edge meets IPv6 clients (a key parsed per request).
	const ip = input.ipv6
		? "2a02:8109:" + ((i >> 8) & 255).toString(16) + ":" + (i & 255).toString(16) + ":1c4b:9a2f:" + (i & 0xffff).toString(16) + ":1"
		: "10.0." + ((i >> 8) & 255) + "." + (i & 255);
	if (kind === "hello") return new Request("http://127.0.0.1/healthz", { headers: { "cf-connecting-ip": ip } });
	const token = input.tokens[i % input.tokens.length];
	const body = input.soldOutBody;
	return new Request("http://127.0.0.1/api/reservations", {
		method: "POST",
		headers: {
			authorization: "Bearer " + token,
			"cf-connecting-ip": ip,
			"content-type": "application/json",
			"content-length": String(body.length),
		},
		body,
	});
}

export const ${ENTRYPOINT} = {
	async fetch(request, env, ctx) {
		if (new URL(request.url).pathname !== "/__probe") return LocalEntrypoint.fetch(request, env, ctx);
		const input = await request.json();
		input.soldOutBody = JSON.stringify({ sku: input.sku });
		const statuses = {};
		let sample = "";
		for (let i = 0; i < input.n; i++) {
			const response = await app.fetch(requestOf(input.kind, i, input), env, ctx);
			const text = await response.text();
			if (i === 0) sample = text;
			statuses[response.status] = (statuses[response.status] ?? 0) + 1;
		}
		return Response.json({ statuses, sample });
	},
};
`;

function bundle(checkout: string): string {
	const dir = join(checkout, ".wrangler", "answer-probe");
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, "entry.ts"), ENTRY);
	// wrangler checks that the assets directory exists; the probe's runtime serves this checkout's.
	if (!existsSync(join(checkout, "dist", "client"))) {
		mkdirSync(join(checkout, "dist"), { recursive: true });
		symlinkSync(join(ROOT, "dist", "client"), join(checkout, "dist", "client"));
	}
	const result = spawnSync(
		process.execPath,
		[
			join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js"),
			"deploy",
			join(".wrangler", "answer-probe", "entry.ts"),
			"--dry-run",
			"--outdir",
			join(".wrangler", "answer-probe", "out"),
		],
		{
			cwd: checkout,
			encoding: "utf8",
			env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
		},
	);
	if (result.status !== 0)
		throw new Error(`bundling ${checkout} failed:\n${result.stdout}${result.stderr}`);
	return readFileSync(join(dir, "out", "entry.js"), "utf8");
}

type Build = {
	name: string;
	url: string;
	sku: string;
	tokens: string[];
	cpu: () => number;
	stop(): Promise<void>;
};

async function start(name: string, checkout: string): Promise<Build> {
	const code = bundle(checkout);
	const stateDir = mkdtempSync(join(tmpdir(), "revenue-guard-probe-"));
	const adminToken = `probe-admin-${process.pid}`;
	const debugToken = `probe-debug-${process.pid}`;
	const before = new Set(childPids());
	const product = await startProduct({
		vars: {
			...workerVars(stateDir, readWranglerConfig().vars),
			// As the bench's rows run (cli/bench/worker.ts).
			ADMIN_TOKEN: adminToken,
			DEBUG_TOKEN: debugToken,
			RATE_LIMITS: "off",
			PAYMENT_PROVIDER: "simulated",
			PAYMENT_SIM_LATENCY_MS: "0",
		},
		stateDir,
		host: "127.0.0.1",
		port: 0,
		build: { bundle: code, entrypoint: ENTRYPOINT },
	});
	const own = childPids().filter((pid) => !before.has(pid));
	const sku = `PROBE-GONE-${Date.now().toString(36)}`;
	await createBenchProduct(product.url, adminHeaders(adminToken), sku, { totalStock: 0 });
	const tokens = await mintSessions(product.url, debugToken, SESSIONS, SETUP_WIDTH);
	return {
		name,
		url: product.url,
		sku,
		tokens,
		cpu: () => cpuNs(own),
		stop: async () => {
			await product.stop();
			rmSync(stateDir, { recursive: true, force: true });
		},
	};
}

/**
 * Nanoseconds on a CPU of every thread of these processes so far (/proc/<pid>/task/<tid>/schedstat,
 * Linux): finer than /proc/<pid>/stat's ticks of 10 ms, so a block of a few thousand answers reads.
 * A thread that ended between two readings loses its share.
 */
function cpuNs(pids: readonly number[]): number {
	let ns = 0;
	for (const pid of pids) {
		for (const tid of readdirSync(`/proc/${pid}/task`)) {
			try {
				ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
			} catch {
				// The thread ended.
			}
		}
	}
	return ns;
}

type Block = { wallUs: number; cpuUs: number };

async function block(build: Build, kind: Kind, n: number): Promise<Block> {
	const cpu0 = build.cpu();
	const t0 = performance.now();
	const response = await fetch(`${build.url}/__probe`, {
		method: "POST",
		body: JSON.stringify({ kind, n, sku: build.sku, tokens: build.tokens, ipv6: IPV6 }),
	});
	const reply = (await response.json()) as { statuses: Record<string, number>; sample: string };
	const wallUs = ((performance.now() - t0) * 1000) / n;
	const cpuUs = (build.cpu() - cpu0) / 1000 / n;
	const expected = kind === "hello" ? "200" : "409";
	if (reply.statuses[expected] !== n)
		throw new Error(`${build.name} ${kind}: ${JSON.stringify(reply.statuses)} ${reply.sample}`);
	return { wallUs, cpuUs };
}

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	const m = s.length >> 1;
	return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const builds: Build[] = [];
try {
	buildUi();
	builds.push(await start("this", ROOT));
	if (AGAINST !== undefined) builds.push(await start("against", resolve(AGAINST)));
	// Warm-up: the SKU's snapshot at the edge, the sessions cached, the JIT.
	for (const build of builds) for (const kind of kinds) await block(build, kind, BLOCK);
	const results = new Map<string, Block[]>();
	const profile = profileTo(PROFILE);
	await profile.start?.();
	for (let round = 0; round < ROUNDS; round++) {
		const order = round % 2 === 0 ? builds : [...builds].reverse();
		for (const kind of kinds) {
			for (const build of order) {
				const key = `${build.name} ${kind}`;
				const got = await block(build, kind, BLOCK);
				results.set(key, [...(results.get(key) ?? []), got]);
			}
		}
	}
	await profile.stop?.();
	const out: Record<string, unknown> = { rounds: ROUNDS, block: BLOCK };
	const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
	const fixed = (x: number) => Number(x.toFixed(2));
	for (const [key, blocks] of results) {
		out[key] = {
			cpuUsMean: fixed(mean(blocks.map((b) => b.cpuUs))),
			wallUsMedian: fixed(median(blocks.map((b) => b.wallUs))),
		};
	}
	for (const build of builds) {
		const soldOut = results.get(`${build.name} sold-out`);
		const hello = results.get(`${build.name} hello`);
		if (soldOut && hello)
			out[`${build.name}: sold-out × hello by CPU`] = Number(
				(mean(hello.map((b) => b.cpuUs)) / mean(soldOut.map((b) => b.cpuUs))).toFixed(3),
			);
	}
	if (builds.length === 2) {
		for (const kind of kinds) {
			const a = results.get(`this ${kind}`) ?? [];
			const b = results.get(`against ${kind}`) ?? [];
			for (const unit of ["cpuUs", "wallUs"] as const) {
				const diffs = a.map((x, i) => x[unit] - (b[i]?.[unit] ?? Number.NaN));
				out[`${kind}: this − against, ${unit} per answer`] = {
					mean: fixed(mean(diffs)),
					median: fixed(median(diffs)),
					lowerInRounds: `${diffs.filter((d) => d < 0).length}/${diffs.length}`,
					higherInRounds: `${diffs.filter((d) => d > 0).length}/${diffs.length}`,
				};
			}
		}
	}
	console.log(JSON.stringify(out, null, 2));
} finally {
	for (const build of builds) await build.stop();
}
