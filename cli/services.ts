// Private Redis and PostgreSQL instances for the benchmark peers (docs/benchmarks.md): real engines from
// Debian's packages, started on free loopback ports with throwaway data under .tmp/, durable
// before they answer (Redis AOF appendfsync always; PostgreSQL fsync + synchronous_commit on).

import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { chown, mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
	freePort,
	onCleanup,
	runCommand,
	startDaemon,
	tcpOpen,
	waitUntil,
} from "../test/support/proc.ts";

export type Service = {
	/** Connection URL (redis://… or postgres://…) on 127.0.0.1. */
	readonly url: string;
	/** Engine version as reported by the binary, for the report. */
	readonly version: string;
	/** The engine's processes (their trees count): the bench reads their CPU per request. */
	pids(): number[];
	/** Stops the instance and deletes its data directory. */
	stop(): Promise<void>;
};

/** Root of the throwaway data directories (git-ignored). */
const SERVICES_DIR = resolve(import.meta.dirname, "../.tmp/services");
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
const APT_TIMEOUT_MS = 10 * 60_000;
/** Above the default 100 so that peers' pools plus admin connections always fit. */
const PG_MAX_CONNECTIONS = 200;
const PG_SUPERUSER = "postgres";

// ---- Redis -----------------------------------------------------------------------------------

export async function ensureRedis(): Promise<Service> {
	let binary = findRedis();
	if (!binary) {
		await aptInstall("redis-server", "redis-server (Redis)");
		binary = findRedis();
		if (!binary)
			throw new Error("apt-get installed redis-server but no redis-server binary was found");
	}
	const version =
		(await runCommand(binary, ["--version"], { timeoutMs: START_TIMEOUT_MS })).stdout.match(
			/v=(\S+)/,
		)?.[1] ?? "unknown";
	const port = await freePort();
	const dir = join(SERVICES_DIR, `redis-${port}`);
	await rm(dir, { recursive: true, force: true });
	await mkdir(dir, { recursive: true });
	const config = [
		"bind 127.0.0.1",
		`port ${port}`,
		"protected-mode yes",
		"daemonize no",
		`dir ${dir}`,
		// The Redis peer's engine with the same promise as our Durable Object: the hold is on disk
		// before the client hears about it.
		"appendonly yes",
		"appendfsync always",
		// No RDB snapshots: they would fork and stall the run at random moments.
		'save ""',
		`logfile ${join(dir, "redis.log")}`,
	].join("\n");
	const configPath = join(dir, "redis.conf");
	await writeFile(configPath, `${config}\n`);
	// Registered before the daemon so that, on an interrupted run, it runs after the kill.
	const forgetDir = onCleanup(() => rmSync(dir, { recursive: true, force: true }));
	const daemon = startDaemon(binary, [configPath]);
	try {
		await waitUntil(`redis-server on port ${port}`, () => tcpOpen(port), START_TIMEOUT_MS);
	} catch (error) {
		await daemon.stop();
		throw new Error(`${String(error)}\n${daemon.output()}${readTail(join(dir, "redis.log"))}`);
	}
	return {
		url: `redis://127.0.0.1:${port}`,
		version,
		pids: () => (daemon.child.pid === undefined ? [] : [daemon.child.pid]),
		stop: async () => {
			await daemon.stop();
			forgetDir();
			await rm(dir, { recursive: true, force: true });
		},
	};
}

function findRedis(): string | undefined {
	return findOnPath("redis-server", ["/usr/bin", "/usr/local/bin", "/usr/sbin"]);
}

// ---- PostgreSQL ------------------------------------------------------------------------------

export async function ensurePostgres(): Promise<Service> {
	let binDir = findPostgresBinDir();
	if (!binDir) {
		await aptInstall("postgresql", "PostgreSQL server (initdb, pg_ctl)");
		binDir = findPostgresBinDir();
		if (!binDir) throw new Error("apt-get installed postgresql but initdb/pg_ctl were not found");
	}
	const pgCtl = join(binDir, "pg_ctl");
	const owner = postgresOwner();
	const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
	const version = (
		await runCommand(pgCtl, ["--version"], { timeoutMs: START_TIMEOUT_MS })
	).stdout.trim();
	const port = await freePort();
	const dir = join(SERVICES_DIR, `postgres-${port}`);
	const dataDir = join(dir, "data");
	const logPath = join(dir, "postgres.log");
	await rm(dir, { recursive: true, force: true });
	await mkdir(dir, { recursive: true });
	// initdb and postgres refuse to run as root: hand the directory to the postgres user.
	if (owner) await chown(dir, owner.uid, owner.gid);
	// pg_ctl daemonises postgres, so an interrupted run must stop the postmaster itself; this
	// hook is registered first so that it runs last, after initdb or pg_ctl have been killed.
	// SIGQUIT is PostgreSQL's "immediate shutdown": the data is being thrown away anyway.
	const discardSync = () => {
		const pid = readPostmasterPid(dataDir);
		if (pid && isAlive(pid)) {
			process.kill(pid, "SIGQUIT");
			waitForExitSync(pid, STOP_TIMEOUT_MS);
		}
		rmSync(dir, { recursive: true, force: true });
	};
	const forget = onCleanup(discardSync);
	const fail = (message: string): never => {
		forget();
		discardSync();
		throw new Error(message);
	};

	const env = { ...process.env, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" };
	const init = await runCommand(
		join(binDir, "initdb"),
		["-D", dataDir, "-U", PG_SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C"],
		{ ...asOwner, env, cwd: dir, timeoutMs: START_TIMEOUT_MS },
	);
	if (init.code !== 0) fail(`initdb failed (exit ${init.code}):\n${init.stderr}${init.stdout}`);
	const settings = [
		"listen_addresses = '127.0.0.1'",
		`port = ${port}`,
		// TCP only: a socket path under the repo could exceed the 107-byte sun_path limit.
		"unix_socket_directories = ''",
		`max_connections = ${PG_MAX_CONNECTIONS}`,
		// The defaults, spelled out because the comparison depends on them: a COMMIT returns
		// only after its WAL is flushed to disk.
		"fsync = on",
		"synchronous_commit = on",
		"full_page_writes = on",
	].join("\n");
	await writeFile(join(dataDir, "postgresql.auto.conf"), `${settings}\n`);
	if (owner) await chown(join(dataDir, "postgresql.auto.conf"), owner.uid, owner.gid);

	const ctl = (args: string[], timeoutMs: number) =>
		runCommand(pgCtl, ["-D", dataDir, ...args], { ...asOwner, env, cwd: dir, timeoutMs });
	const started = await ctl(
		["-l", logPath, "-w", "-t", String(START_TIMEOUT_MS / 1000), "start"],
		START_TIMEOUT_MS + 5_000,
	);
	if (started.code !== 0 || !(await tcpOpen(port))) {
		fail(`pg_ctl start failed (exit ${started.code}):\n${started.stderr}${readTail(logPath)}`);
	}
	return {
		url: `postgres://${PG_SUPERUSER}@127.0.0.1:${port}/postgres`,
		version,
		// pg_ctl daemonises the postmaster; its backends (one per connection) are its children.
		pids: () => {
			const pid = readPostmasterPid(dataDir);
			return pid === undefined ? [] : [pid];
		},
		stop: async () => {
			const postmasterPid = readPostmasterPid(dataDir);
			const stopped = await ctl(["-m", "fast", "-w", "stop"], STOP_TIMEOUT_MS);
			if (stopped.code !== 0 && postmasterPid) {
				await waitUntil("postgres to stop", async () => !isAlive(postmasterPid), STOP_TIMEOUT_MS);
			}
			forget();
			await rm(dir, { recursive: true, force: true });
		},
	};
}

/** Newest /usr/lib/postgresql/<major>/bin holding initdb and pg_ctl, else PATH. */
function findPostgresBinDir(): string | undefined {
	const root = "/usr/lib/postgresql";
	const majors = existsSync(root)
		? readdirSync(root)
				.filter((name) => /^\d+$/.test(name))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	for (const major of majors) {
		const bin = join(root, major, "bin");
		if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl"))) return bin;
	}
	const initdb = findOnPath("initdb", ["/usr/local/bin", "/usr/bin"]);
	const dir = initdb ? resolve(initdb, "..") : undefined;
	return dir && existsSync(join(dir, "pg_ctl")) ? dir : undefined;
}

/** When we are root, the unprivileged account that must own and run the cluster. */
function postgresOwner(): { uid: number; gid: number } | undefined {
	if (process.getuid?.() !== 0) return undefined;
	const line = readFileSync("/etc/passwd", "utf8")
		.split("\n")
		.find((entry) => entry.startsWith(`${PG_SUPERUSER}:`));
	const [, , uid, gid] = line?.split(":") ?? [];
	if (!uid || !gid) {
		throw new Error(
			"running as root but there is no 'postgres' user to run PostgreSQL as (initdb refuses root)",
		);
	}
	return { uid: Number(uid), gid: Number(gid) };
}

function readPostmasterPid(dataDir: string): number | undefined {
	const pidFile = join(dataDir, "postmaster.pid");
	if (!existsSync(pidFile)) return undefined;
	const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
	return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Exit hooks cannot await: block (bounded) until `pid` is gone so its files can be deleted. */
function waitForExitSync(pid: number, timeoutMs: number): void {
	const deadline = Date.now() + timeoutMs;
	const tick = new Int32Array(new SharedArrayBuffer(4));
	while (isAlive(pid) && Date.now() < deadline) Atomics.wait(tick, 0, 0, 20);
}

/** A zombie counts as gone: a daemonised postmaster is reaped by init, sometimes late. */
function isAlive(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
	} catch {
		return false;
	}
}

// ---- installing ------------------------------------------------------------------------------

/**
 * Installs a Debian package when we may (root, apt-get present); otherwise throws a message that
 * says what is missing and how to get it.
 */
async function aptInstall(pkg: string, what: string): Promise<void> {
	const hint = `install it with \`sudo apt-get install -y ${pkg}\` or \`sudo scripts/install-services.sh\``;
	if (process.getuid?.() !== 0) {
		throw new Error(
			`${what} is not installed, and this process is not root so it cannot install it: ${hint}`,
		);
	}
	const aptGet = findOnPath("apt-get", ["/usr/bin"]);
	if (!aptGet)
		throw new Error(`${what} is not installed and there is no apt-get on this machine: ${hint}`);
	console.error(`[services] ${what} is missing: apt-get install -y ${pkg} …`);
	const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
	const install = () =>
		runCommand(aptGet, ["install", "-y", "--no-install-recommends", pkg], {
			env,
			timeoutMs: APT_TIMEOUT_MS,
		});
	let result = await install();
	if (result.code !== 0) {
		// Stale package lists are the usual cause on a fresh machine or container.
		await runCommand(aptGet, ["update"], { env, timeoutMs: APT_TIMEOUT_MS });
		result = await install();
	}
	if (result.code !== 0) {
		throw new Error(
			`${what} is not installed and apt-get install ${pkg} failed (exit ${result.code}):\n${result.stderr}`,
		);
	}
}

function findOnPath(name: string, extraDirs: readonly string[]): string | undefined {
	const dirs = [...(process.env.PATH ?? "").split(":").filter(Boolean), ...extraDirs];
	return dirs.map((dir) => join(dir, name)).find((path) => existsSync(path));
}

function readTail(path: string): string {
	return existsSync(path) ? readFileSync(path, "utf8").slice(-2_000) : "";
}
