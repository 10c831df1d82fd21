// `node cli/checkout-cpu.ts [holds] [--profile out.cpuprofile]`: what one checkout costs workerd in CPU, against the hello of
// the same server in the same run (docs/checkout.md, "What a checkout costs"). On a machine shared
// with other work, CPU per request moves far less than requests per second, so this reads the
// workerd processes' own CPU time (/proc, Linux) around each load. The worker runs on the bench's
// lean runtime (cli/bench/worker.ts) with the simulated provider at 0 ms; 256 sessions, 64
// connections, pre-created holds each paid once, as the bench's `checkout` row. Run it under
// `flock /tmp/rg-bench.lock` like every load test. With --profile, the measured checkout run is
// also sampled by workerd's inspector (cli/lib/inspector-profile.ts) and the profile written to
// the file named (open it in Chrome DevTools or summarise it by function).

import {
	adminHeaders,
	benchStats,
	createBenchProduct,
	SESSIONS,
	SETUP_WIDTH,
	sessionHeadersFor,
} from "./bench/hot-sku.ts";
import { call, clientIp, mintSessions, pool } from "./bench/http.ts";
import { startBenchWorker } from "./bench/worker.ts";
import { INSPECTOR_PORT, profileTo } from "./lib/inspector-profile.ts";
import { type LoadOptions, runLoad } from "./lib/load.ts";
import { againstHello, helloLoad } from "./lib/workerd-cpu.ts";

const args = process.argv.slice(2);
const profileAt = args.indexOf("--profile");
const PROFILE_FILE = profileAt < 0 ? null : (args.splice(profileAt, 2)[1] ?? "checkout.cpuprofile");
const HOLDS = Number(args[0] ?? 1_200);
const MAX_HOLDS = 20_000;
const WARMUP_HOLDS = 512;
const CONNECTIONS = 64;
const HELLO_SEC = 3;

if (!Number.isInteger(HOLDS) || HOLDS < 100 || HOLDS > MAX_HOLDS) {
	throw new RangeError(`holds must be an integer 100..${MAX_HOLDS}`);
}

if (PROFILE_FILE !== null) process.env.RG_INSPECTOR_PORT = String(INSPECTOR_PORT);

const worker = await startBenchWorker();
try {
	const base = worker.url;
	const admin = adminHeaders(worker.adminToken);
	const stamp = Date.now().toString(36);
	const tokens = await mintSessions(base, worker.debugToken, SESSIONS, SETUP_WIDTH);
	const sessionHeaders = sessionHeadersFor(tokens);
	const sku = `CPU-PAY-${stamp}`;
	const total = HOLDS + WARMUP_HOLDS;
	await createBenchProduct(base, admin, sku, { totalStock: total });
	const holds: { id: string; headers: Record<string, string> }[] = new Array(total);
	await pool(total, SETUP_WIDTH, async (i) => {
		const headers = sessionHeaders(i);
		const reply = await call(base, "POST", "/api/reservations", { sku }, headers);
		if (reply.status !== 201) throw new Error(`setup: reserve answered ${reply.status}`);
		holds[i] = { id: String(reply.json.data?.reservationId), headers };
	});
	const payLoad = (offset: number, amount: number): LoadOptions => ({
		url: `${base}/api/checkout`,
		method: "POST",
		headers: { "content-type": "application/json" },
		connections: CONNECTIONS,
		amount,
		bodyFactory: (i) =>
			JSON.stringify({ reservationId: holds[offset + i]?.id, paymentMethod: "pm_card_visa" }),
		headersFactory: (i) => ({
			...holds[offset + i]?.headers,
			"idempotency-key": `cpu-${stamp}-${offset + i}`,
		}),
	});
	const hello = helloLoad(base, CONNECTIONS, HELLO_SEC, (i) => clientIp(i % SESSIONS));

	await runLoad(payLoad(0, WARMUP_HOLDS));
	const figures = await againstHello(
		hello,
		payLoad(WARMUP_HOLDS, HOLDS),
		"checkout",
		profileTo(PROFILE_FILE),
	);
	const stats = await benchStats(base, admin, sku);
	console.log(JSON.stringify({ ...figures, sold: stats.sold, oversell: stats.oversellCount }));
} finally {
	await worker.stop();
}
