// Small assertions on arrays that keep `noUncheckedIndexedAccess` honest in tests.
// Runtime-neutral (unit tests and tests inside workerd import it).

/** xs[i] (negative counts from the end), failing the test loudly when it is missing. */
export function nth<T>(xs: readonly T[], i: number): T {
	const v = xs.at(i);
	if (v === undefined) throw new Error(`no element ${i}`);
	return v;
}
