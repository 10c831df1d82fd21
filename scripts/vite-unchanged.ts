// A build that writes only what changed. `npm run dev` serves dist/client with wrangler dev,
// which reloads its runtimes on any write there; Vite rewrites every file of every build, so a
// watcher's first build (and a second `npm run dev`'s, sharing the directory) reloaded a running
// server for nothing, and a reload rebinds its sockets on their earlier ports, which another
// process may have taken meanwhile ("Address already in use", decision 194). This plugin leaves
// out of the write each output whose bytes are already on disk, the public directory's files
// included (it copies them itself instead of Vite's copy, which writes them every time).

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Plugin } from "vite";

/** True when `path` holds exactly `bytes`. */
function sameOnDisk(path: string, bytes: Uint8Array): boolean {
	if (!existsSync(path)) return false;
	const onDisk = readFileSync(path);
	return onDisk.length === bytes.length && onDisk.equals(bytes);
}

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory()
			? filesUnder(path).map((inner) => join(name, inner))
			: [name];
	});
}

/**
 * Vite's copy of the public directory is turned off, and its files are emitted as assets of the
 * bundle instead, so that the same check covers them.
 */
export function writeOnlyChanged(): Plugin {
	let publicDir = "";
	let outDir = "";
	return {
		name: "revenue-guard:write-only-changed",
		apply: "build",
		enforce: "post",
		config: () => ({ build: { copyPublicDir: false } }),
		configResolved(config) {
			publicDir = config.publicDir;
			outDir = resolve(config.root, config.build.outDir);
		},
		buildStart() {
			if (publicDir === "" || !existsSync(publicDir)) return;
			for (const fileName of filesUnder(publicDir))
				this.emitFile({ type: "asset", fileName, source: readFileSync(join(publicDir, fileName)) });
		},
		generateBundle(_options, bundle) {
			for (const [fileName, output] of Object.entries(bundle)) {
				const bytes =
					output.type === "chunk"
						? Buffer.from(output.code)
						: typeof output.source === "string"
							? Buffer.from(output.source)
							: output.source;
				if (sameOnDisk(join(outDir, fileName), bytes)) delete bundle[fileName];
			}
		},
	};
}
