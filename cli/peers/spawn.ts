// Starts a peer in its own Node process and waits for its ready line. The bench measures peers
// this way so the load generator and the server under test never share one event loop — the
// same footing as our worker, which runs in workerd's process.

import { join } from "node:path";
import { startDaemon, waitUntil } from "../../test/support/proc.ts";

export const PEER_NAMES = ["redis-lua", "postgres-row-lock", "single-writer"] as const;
export type PeerName = (typeof PEER_NAMES)[number];

/** Which engine each peer needs: the bench starts only the services it uses. */
export const PEER_ENGINE: Record<PeerName, "redis" | "postgres"> = {
	"redis-lua": "redis",
	"postgres-row-lock": "postgres",
	"single-writer": "postgres",
};

const READY_TIMEOUT_MS = 20_000;

export type PeerProcess = {
	name: PeerName;
	url: string;
	/** The peer's Node process (the bench adds its CPU to its engine's). */
	pid: number | undefined;
	stop(): Promise<void>;
};

/** `engineUrl` is the redis:// or postgres:// URL of the peer's engine (see PEER_ENGINE). */
export async function startPeerProcess(name: PeerName, engineUrl: string): Promise<PeerProcess> {
	const file = join(import.meta.dirname, `${name}.ts`);
	const env = {
		...process.env,
		PEER_PORT: "0",
		[PEER_ENGINE[name] === "redis" ? "REDIS_URL" : "DATABASE_URL"]: engineUrl,
	};
	const daemon = startDaemon(process.execPath, [file], { env });
	let url: string | undefined;
	let stdout = "";
	daemon.child.stdout?.on("data", (chunk: Buffer) => {
		stdout += chunk.toString();
		const line = stdout.split("\n").find((candidate) => candidate.includes('"peer"'));
		if (line && !url) url = (JSON.parse(line) as { url: string }).url;
	});
	let exited = false;
	daemon.child.once("exit", () => {
		exited = true;
	});
	try {
		await waitUntil(
			`peer ${name} to listen`,
			async () => url !== undefined || exited,
			READY_TIMEOUT_MS,
		);
		if (url === undefined) throw new Error("exited before it was ready");
	} catch (error) {
		await daemon.stop();
		throw new Error(`peer ${name} did not start: ${String(error)}\n${daemon.output()}`);
	}
	return { name, url, pid: daemon.child.pid, stop: () => daemon.stop() };
}
