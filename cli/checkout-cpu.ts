// `node cli/checkout-cpu.ts [holds]`: what one checkout costs workerd in CPU, against the hello of
// the same server in the same run (docs/checkout.md, "What a checkout costs"). On a machine shared
// with other work, CPU per request moves far less than requests per second, so this reads the
// workerd processes' own CPU time (/proc, Linux) around each load. The worker runs on the bench's
// lean runtime (cli/bench/worker.ts) with the simulated provider at 0 ms; 256 sessions, 64
// connections, pre-created holds each paid once, as the bench's `checkout` row. Run it under
// `flock /tmp/rg-bench.lock` like every load test.

import { call, clientIp, expectCall, mintSessions, pool } from "./bench/http.ts";
import { startBenchWorker } from "./bench/worker.ts";
import { type LoadOptions, runLoad } from "./lib/load.ts";
import { workerdCpuMeter } from "./lib/workerd-cpu.ts";

const HOLDS = Number(process.argv[2] ?? 1_200);
const MAX_HOLDS = 20_000;
const WARMUP_HOLDS = 512;
const CONNECTIONS = 64;
const SESSIONS = 256;
const SETUP_WIDTH = 32;
const HELLO_SEC = 3;

if (!Number.isInteger(HOLDS) || HOLDS < 100 || HOLDS > MAX_HOLDS) {
	throw new RangeError(`holds must be an integer 100..${MAX_HOLDS}`);
}

const worker = await startBenchWorker();
try {
	const base = worker.url;
	const admin = { authorization: `Bearer ${worker.adminToken}`, "cf-connecting-ip": "10.255.0.1" };
	const stamp = Date.now().toString(36);
	const tokens = await mintSessions(base, worker.debugToken, SESSIONS, SETUP_WIDTH);
	const sessionHeaders = (i: number) => ({
		authorization: `Bearer ${tokens[i % SESSIONS]}`,
		"cf-connecting-ip": clientIp(i % SESSIONS),
	});
	const sku = `CPU-PAY-${stamp}`;
	const total = HOLDS + WARMUP_HOLDS;
	await expectCall(
		201,
		base,
		"POST",
		"/api/admin/products",
		{
			sku,
			name: "Checkout CPU",
			priceCents: 1_000,
			currency: "USD",
			totalStock: total,
			holdSeconds: 3_600,
			perUserLimit: 1_000,
		},
		admin,
	);
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
	const hello: LoadOptions = {
		url: `${base}/healthz`,
		connections: CONNECTIONS,
		durationSec: HELLO_SEC,
		headersFactory: (i) => ({ "cf-connecting-ip": clientIp(i % SESSIONS) }),
	};

	// workerd is a child of this process (the Miniflare API); its CPU time is all that is read.
	const measured = workerdCpuMeter();

	await runLoad(payLoad(0, WARMUP_HOLDS));
	await runLoad({ ...hello, durationSec: 1 });
	const hello1 = await measured(hello);
	const pay = await measured(payLoad(WARMUP_HOLDS, HOLDS));
	const hello2 = await measured(hello);
	const helloCpuUs = (hello1.cpuUs + hello2.cpuUs) / 2;
	const helloRate = (hello1.result.reqPerSec + hello2.result.reqPerSec) / 2;
	const stats = await expectCall(
		200,
		base,
		"GET",
		`/api/admin/products/${sku}/stats`,
		undefined,
		admin,
	);
	const round = (n: number) => Math.round(n);
	console.log(
		JSON.stringify({
			helloCpuUsPerReq: [round(hello1.cpuUs), round(hello2.cpuUs)],
			checkoutCpuUsPerReq: round(pay.cpuUs),
			checkoutXHelloByCpu: +(helloCpuUs / pay.cpuUs).toFixed(3),
			helloReqPerSec: [round(hello1.result.reqPerSec), round(hello2.result.reqPerSec)],
			checkoutReqPerSec: round(pay.result.reqPerSec),
			checkoutXHelloByRate: +(pay.result.reqPerSec / helloRate).toFixed(3),
			checkoutStatuses: pay.result.statusCounts,
			checkoutP50Ms: pay.result.latencyMs.p50,
			checkoutP99Ms: pay.result.latencyMs.p99,
			sold: stats.sold,
			oversell: stats.oversellCount,
		}),
	);
} finally {
	await worker.stop();
}
