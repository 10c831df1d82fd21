// The V8 flags every local workerd runs with (scripts/v8-flags.ts WORKERD_V8_FLAGS, why:
// docs/decisions/050-collector-pauses.md) reach both runtimes the bench compares: bare workerd
// through its capnp config and the Miniflare API through MINIFLARE_WORKERD_V8_FLAGS. workerd
// refuses to start on a V8 flag it does not know, so a worker that answers proves the flags were
// accepted; a flag set from the environment still comes after ours, so a run can override them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MINIFLARE_CONFIG, WORKER_JS, workerdConfig } from "../../cli/lib/ceiling-worker.ts";
import { startMiniflare, startWorkerd } from "../../cli/lib/runtimes.ts";
import { WORKERD_V8_FLAGS, workerdV8Flags } from "../../scripts/v8-flags.ts";

const dir = mkdtempSync(join(tmpdir(), "rg-workerd-flags-"));

afterAll(() => {
	rmSync(dir, { recursive: true, force: true });
});

describe("the local runtime's V8 flags", () => {
	it("puts ours first and the environment's after them, each once", () => {
		expect(WORKERD_V8_FLAGS.length).toBeGreaterThan(0);
		expect(workerdV8Flags("")).toEqual([...WORKERD_V8_FLAGS]);
		expect(workerdV8Flags(` --trace-gc-nvp  ${WORKERD_V8_FLAGS[0]} `)).toEqual([
			...WORKERD_V8_FLAGS,
			"--trace-gc-nvp",
		]);
	});

	it("bare workerd starts with them in its config and answers", async () => {
		const stateDir = join(dir, "do");
		mkdirSync(stateDir);
		writeFileSync(join(dir, "worker.js"), WORKER_JS);
		const config = workerdConfig(stateDir);
		for (const flag of WORKERD_V8_FLAGS) expect(config).toContain(JSON.stringify(flag));
		writeFileSync(join(dir, "config.capnp"), config);
		const worker = await startWorkerd({
			configPath: join(dir, "config.capnp"),
			socketName: "http",
			cwd: dir,
		});
		try {
			const res = await fetch(`${worker.url}/`);
			expect(res.status).toBe(200);
			expect(await res.text()).toBe("hello world");
		} finally {
			await worker.stop();
		}
	});

	it("the Miniflare API starts workerd with them and answers", async () => {
		const worker = await startMiniflare({
			config: MINIFLARE_CONFIG,
			persistDir: join(dir, "miniflare"),
		});
		try {
			const flags = (process.env.MINIFLARE_WORKERD_V8_FLAGS ?? "").split(" ");
			for (const flag of WORKERD_V8_FLAGS) expect(flags).toContain(flag);
			const res = await fetch(`${worker.directUrl}/`);
			expect(res.status).toBe(200);
			expect(await res.text()).toBe("hello world");
		} finally {
			await worker.stop();
		}
	});
});
