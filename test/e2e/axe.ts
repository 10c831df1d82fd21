// axe-core over a page state: no serious or critical violation may remain.
// The script is evaluated from the installed package (no network): through the DevTools protocol,
// which the pages' Content-Security-Policy does not govern, where a <script> tag with its text
// would be refused as an inline script (decision 165). The failure lists each violation with the
// elements it found, so it can be fixed.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { expect } from "vitest";

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve("axe-core");
let axeSource: string | undefined;

interface AxeResult {
	id: string;
	impact: string | null;
	help: string;
	nodes: { target: unknown[] }[];
}

/** Runs axe on the page as it is now; `label` names the state in the failure message. */
export async function expectNoSeriousA11yViolations(page: Page, label: string): Promise<void> {
	const loaded = await page.evaluate(() => "axe" in window);
	if (!loaded) {
		axeSource ??= readFileSync(AXE_PATH, "utf8");
		await page.evaluate(axeSource);
	}
	const violations = await page.evaluate(async () => {
		const axe = (
			window as unknown as { axe: { run(ctx: Document): Promise<{ violations: AxeResult[] }> } }
		).axe;
		const result = await axe.run(document);
		return result.violations.map((v) => ({
			id: v.id,
			impact: v.impact,
			help: v.help,
			nodes: v.nodes.map((n) => ({ target: n.target })),
		}));
	});
	const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
	expect(
		serious.map(
			(v) =>
				`${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")}`,
		),
		`axe on ${label}`,
	).toEqual([]);
}
