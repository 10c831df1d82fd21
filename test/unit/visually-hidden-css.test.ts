// The visually-hidden body (absolute, 1 px, clipped) is written once, in src/web/styles.css, and
// every selector that needs it is in that one rule's list: a second copy drifts (one was fuller
// than the other before decision 120).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WEB = "src/web";
/** The declaration no other style needs: a clipped box is what hides it. */
const CLIP = /clip-path:\s*inset\(50%\)/g;

function stylesheets(folder: string): string[] {
	return readdirSync(join(ROOT, folder)).flatMap((name) => {
		const path = join(folder, name);
		if (statSync(join(ROOT, path)).isDirectory()) return stylesheets(path);
		return name.endsWith(".css") ? [path] : [];
	});
}

describe("the visually-hidden style", () => {
	it("has one body, in styles.css, shared by the empty regions and the storefront's outcome", () => {
		const copies = stylesheets(WEB).flatMap((path) => {
			const text = readFileSync(join(ROOT, path), "utf8");
			return [...text.matchAll(CLIP)].map(() => path);
		});
		expect(copies).toEqual([`${WEB}/styles.css`]);
		const css = readFileSync(join(ROOT, WEB, "styles.css"), "utf8");
		const rule = css.slice(0, css.search(CLIP));
		const selectors = rule.slice(rule.lastIndexOf("}") + 1);
		for (const selector of [".visually-hidden", ".notice-empty", ".outcome:not(:has(.notice))"]) {
			expect(selectors).toContain(selector);
		}
	});
});
