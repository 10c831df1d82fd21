// One local runtime for everything: `npm start`, `npm run bench` and the workers tests must run
// the same workerd, or a test can pass on a runtime the product does not run on. The plugins
// bring their own wrangler, miniflare and workerd unless their versions match the project's;
// this fails when a dependency change installs a second copy (docs/decisions/013-one-toolchain.md).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const lock = JSON.parse(readFileSync(resolve(ROOT, "package-lock.json"), "utf8")) as {
	packages: Record<string, { version?: string; hasInstallScript?: boolean }>;
};
const pkg = JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as {
	dependencies: Record<string, string>;
	devDependencies: Record<string, string>;
	engines: { node: string };
	allowScripts: Record<string, boolean>;
};

/** Every locked copy of `name`, as "path@version". */
function lockedCopies(name: string): string[] {
	return Object.entries(lock.packages)
		.filter(([path]) => path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`))
		.map(([path, entry]) => `${path}@${entry.version}`);
}

describe("one toolchain", () => {
	it.each(["wrangler", "miniflare", "workerd", "@cloudflare/workerd-linux-64"])(
		"package-lock.json holds one copy of %s",
		(name) => {
			expect(lockedCopies(name)).toHaveLength(1);
		},
	);

	it("the vitest plugin, wrangler (npm start, npm run bench) and the bench's bare workerd resolve the same files", () => {
		// Resolved as each one resolves it: the plugin's pool, scripts/runtime.ts (through wrangler's
		// package), and miniflare spawning its workerd.
		const fromRoot = createRequire(resolve(ROOT, "package.json"));
		const viaPlugin = createRequire(
			resolve(ROOT, "node_modules/@cloudflare/vitest-plugin/package.json"),
		);
		const viaWrangler = createRequire(fromRoot.resolve("wrangler/package.json"));
		const miniflare = fromRoot.resolve("miniflare");
		expect(viaPlugin.resolve("miniflare")).toBe(miniflare);
		expect(viaWrangler.resolve("miniflare")).toBe(miniflare);
		const workerd = fromRoot.resolve("workerd");
		expect(createRequire(miniflare).resolve("workerd")).toBe(workerd);
		expect(viaWrangler.resolve("workerd")).toBe(workerd);
	});

	it("the vitest plugin is pinned to the wrangler the project runs", () => {
		const pluginLock = lock.packages["node_modules/@cloudflare/vitest-plugin"] as {
			dependencies?: Record<string, string>;
		};
		expect(pluginLock.dependencies?.wrangler).toBe(pkg.devDependencies.wrangler);
	});

	it("what the Worker and the pages import is a runtime dependency", () => {
		for (const name of ["hono", "zod", "preact", "uplot"]) {
			expect(pkg.dependencies[name], name).toBeDefined();
			expect(pkg.devDependencies[name], name).toBeUndefined();
		}
	});

	it("engines names the Node the scripts run on (the `node` package)", () => {
		const nodeVersion = lock.packages["node_modules/node"]?.version ?? "";
		expect(pkg.engines.node).toBe(`>=${nodeVersion}`);
		expect(process.versions.node).toBe(nodeVersion);
	});

	it("every locked package with an install script is declared in allowScripts (npm 11 warns otherwise)", () => {
		const withScripts = Object.entries(lock.packages)
			.filter(([, entry]) => entry.hasInstallScript === true)
			.map(([path]) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length));
		// workerd and esbuild fetch their platform binary, node installs the Node the scripts run on.
		expect(withScripts.sort()).toEqual(["esbuild", "node", "workerd"]);
		for (const name of withScripts) expect(pkg.allowScripts[name], name).toBe(true);
	});
});
