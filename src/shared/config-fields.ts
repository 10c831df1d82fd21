// One zod schema per kind of configuration variable (config.ts): variables arrive as strings;
// blank means unset (the default applies), and a bad value is an error that names what was
// wanted. The messages complete "<VARIABLE> …" and never echo a secret.

import { z } from "zod";

const notText = (issue: { input: unknown }) => `must be a string, not ${typeof issue.input}`;
export const text = () => z.string({ error: notText }).optional();
export const isBlank = (raw: string | undefined): raw is undefined =>
	raw === undefined || raw.trim() === "";

export function problem(ctx: z.RefinementCtx, message: string): never {
	ctx.addIssue({ code: "custom", message });
	return z.NEVER;
}

/** A value that is used as given (a token, a key); null when unset. */
export const secret = () => text().transform((raw) => (isBlank(raw) ? null : raw));

export function integer(min: number, max: number, fallback: number) {
	return text().transform((raw, ctx) => {
		if (isBlank(raw)) return fallback;
		const n = Number(raw);
		if (Number.isInteger(n) && n >= min && n <= max) return n;
		return problem(ctx, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
	});
}

export function decimal(range: { above?: number; min?: number; max?: number }, fallback: number) {
	const { above, min, max } = range;
	const wanted = [
		above !== undefined ? `above ${above}` : `at least ${min ?? 0}`,
		max !== undefined ? `at most ${max}` : null,
	]
		.filter(Boolean)
		.join(" and ");
	return text().transform((raw, ctx) => {
		if (isBlank(raw)) return fallback;
		const n = Number(raw);
		const fits =
			Number.isFinite(n) &&
			(above === undefined || n > above) &&
			n >= (min ?? Number.NEGATIVE_INFINITY) &&
			(max === undefined || n <= max);
		if (fits) return n;
		return problem(ctx, `must be a number ${wanted}, got ${JSON.stringify(raw)}`);
	});
}

/** One of `values` (any case); `fallback` when unset (null: unset is told apart from a choice). */
export function oneOf<const T extends string, const F extends T | null = T>(
	values: readonly T[],
	fallback: F,
) {
	return text().transform((raw, ctx): T | F => {
		if (isBlank(raw)) return fallback;
		const value = raw.trim().toLowerCase();
		const known = values.find((v) => v === value);
		if (known !== undefined) return known;
		return problem(
			ctx,
			`must be ${values.map((v) => `"${v}"`).join(" or ")}, got ${JSON.stringify(raw)}`,
		);
	});
}

export function httpUrl() {
	return text().transform((raw, ctx) => {
		if (isBlank(raw)) return null;
		const url = URL.canParse(raw.trim()) ? new URL(raw.trim()) : null;
		if (url !== null && (url.protocol === "https:" || url.protocol === "http:")) return url.href;
		return problem(ctx, `must be an http(s) URL, got ${JSON.stringify(raw)}`);
	});
}

/** A host name as siteverify reports one: letters, digits, dots and hyphens, at most 253 characters. */
const HOSTNAME =
	/^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;
/** More hostnames than a site key can list is a mistake, not a setting. */
export const MAX_HOSTNAMES = 50;

/** A comma-separated list of host names, lower-cased; null when unset. */
export function hostnames() {
	return text().transform((raw, ctx): string[] | null => {
		if (isBlank(raw)) return null;
		const names = raw
			.split(",")
			.map((name) => name.trim().toLowerCase())
			.filter((name) => name !== "");
		const bad = names.find((name) => !HOSTNAME.test(name));
		if (bad !== undefined)
			return problem(
				ctx,
				`must list host names (e.g. "shop.example.com,www.shop.example.com"), without scheme or port; ${JSON.stringify(bad)} is not one`,
			);
		if (names.length > MAX_HOSTNAMES)
			return problem(ctx, `must list at most ${MAX_HOSTNAMES} host names, got ${names.length}`);
		return names;
	});
}

/**
 * A comma-separated list of web origins (`https://shop.example`, a port if not the scheme's own):
 * each an http(s) URL with no path, query or credentials, kept as its origin (host in lower case, a
 * scheme's own port left out) as browsers send it in `Origin`. Empty when unset.
 */
export function originList() {
	return text().transform((raw, ctx): readonly string[] => {
		if (isBlank(raw)) return [];
		const origins: string[] = [];
		for (const item of raw.split(",").map((s) => s.trim())) {
			if (item === "") continue;
			const url = URL.canParse(item) ? new URL(item) : null;
			const isOrigin =
				url !== null &&
				(url.protocol === "https:" || url.protocol === "http:") &&
				url.pathname === "/" &&
				url.search === "" &&
				url.hash === "" &&
				url.username === "" &&
				url.password === "" &&
				!item.endsWith("?") &&
				!item.endsWith("#");
			if (!isOrigin)
				return problem(
					ctx,
					`must list web origins such as "https://shop.example", separated by commas; ${JSON.stringify(item)} is not one`,
				);
			origins.push(url.origin);
		}
		return origins;
	});
}
