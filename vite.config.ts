// The UI: a plain Vite multi-page build of Preact into dist/client, which the
// Worker serves as static assets on the same origin as the API (wrangler.jsonc
// "assets"). Plain Vite rather than @cloudflare/vite-plugin keeps `npm start`
// one wrangler process and the e2e tests black-box: they start the real server.

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { writeOnlyChanged } from "./scripts/vite-unchanged.ts";

const ROOT = fileURLToPath(new URL(".", import.meta.url));
const WEB = resolve(ROOT, "src/web");

/** One HTML entry per page; Workers Static Assets serves /console from console.html. */
export const PAGES = {
	index: resolve(WEB, "index.html"),
	console: resolve(WEB, "console.html"),
	demo: resolve(WEB, "demo.html"),
	404: resolve(WEB, "404.html"),
} as const;

export default defineConfig({
	root: WEB,
	base: "/",
	// Copied as is to the root of the build: favicon.ico, which browsers ask every page for, and
	// _headers, the pages' security headers that the static-assets router applies (decision 165).
	// The plugin copies them, and writes only the outputs that changed (decision 194).
	publicDir: resolve(WEB, "public"),
	plugins: [writeOnlyChanged()],
	// JSX through Oxc (Vite 8's transformer): Preact's automatic runtime, no plugin needed.
	oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
	build: {
		outDir: resolve(ROOT, "dist/client"),
		emptyOutDir: true,
		target: "es2022",
		reportCompressedSize: false,
		rolldownOptions: { input: PAGES },
	},
	server: {
		// `vite` dev server for UI work: the API comes from `npm start` on 8787.
		proxy: {
			"/api": { target: "http://127.0.0.1:8787", ws: true },
			"/__local": "http://127.0.0.1:8787",
		},
	},
});
