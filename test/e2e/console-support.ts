// What the console's browser tests share: signing in with the operator token, how long
// they wait for a figure to show, and what a form field's refusal says.

import type { Locator, Page } from "playwright-core";

export const POLL = { timeout: 20_000, interval: 200 };

export async function signIn(page: Page, token: string): Promise<void> {
	await page.getByLabel("Operator token").fill(token);
	await page.getByRole("button", { name: "Sign in" }).click();
}

/** The text an input's aria-describedby points at (a form field's refusal), "" without one. */
export function description(input: Locator): Promise<string> {
	return input.evaluate((el) =>
		(el.getAttribute("aria-describedby") ?? "")
			.split(" ")
			.map((id) => document.getElementById(id)?.textContent ?? "")
			.join(" ")
			.trim(),
	);
}
