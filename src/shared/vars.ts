// Environment variables arrive as strings (wrangler vars, secrets, local.vars).

/** A numeric variable, or `fallback` when it is unset, blank or not a finite number. */
export function numberVar(value: string | undefined, fallback: number): number {
	if (value === undefined || value.trim() === "") return fallback;
	const n = Number(value);
	return Number.isFinite(n) ? n : fallback;
}
