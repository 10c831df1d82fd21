// The checkout saga's modules import one another in one direction only: the pure
// rules (src/domain) never reach the object (src/inventory), and no two modules of
// the domain, the object or the payment providers import each other in a loop
// (type imports count: a loop of types is still two concepts that cannot move apart).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const FOLDERS = ["src/domain", "src/inventory", "src/payment"];
const IMPORT = /(?:import|export)\s+(?:type\s+)?(?:[^"']*?\sfrom\s+)?["'](\.[^"']+)["']/g;

function modules(folder: string): string[] {
	return readdirSync(join(ROOT, folder)).flatMap((name) => {
		const path = join(folder, name);
		if (statSync(join(ROOT, path)).isDirectory()) return modules(path);
		return name.endsWith(".ts") ? [path] : [];
	});
}

function resolve(from: string, spec: string): string | null {
	const base = normalize(join(dirname(from), spec));
	for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) {
		try {
			if (statSync(join(ROOT, candidate)).isFile()) return candidate;
		} catch {
			// not this candidate
		}
	}
	return null;
}

/** Relative imports of every module in FOLDERS, kept only when they stay in FOLDERS. */
function graph(): Map<string, string[]> {
	const all = new Set(FOLDERS.flatMap(modules));
	const edges = new Map<string, string[]>();
	for (const path of all) {
		const text = readFileSync(join(ROOT, path), "utf8");
		const deps = [...text.matchAll(IMPORT)]
			.map((m) => resolve(path, m[1] ?? ""))
			.filter((dep): dep is string => dep !== null && all.has(dep));
		edges.set(path, deps);
	}
	return edges;
}

/** Every cycle's modules (Tarjan's strongly connected components of size > 1). */
function cycles(edges: Map<string, string[]>): string[][] {
	const index = new Map<string, number>();
	const low = new Map<string, number>();
	const stack: string[] = [];
	const onStack = new Set<string>();
	const found: string[][] = [];
	let next = 0;
	const visit = (v: string): void => {
		index.set(v, next);
		low.set(v, next);
		next += 1;
		stack.push(v);
		onStack.add(v);
		for (const w of edges.get(v) ?? []) {
			if (!index.has(w)) {
				visit(w);
				low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
			} else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
		}
		if (low.get(v) !== index.get(v)) return;
		const component: string[] = [];
		for (;;) {
			const w = stack.pop() as string;
			onStack.delete(w);
			component.push(w);
			if (w === v) break;
		}
		if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(component.sort());
	};
	for (const v of edges.keys()) if (!index.has(v)) visit(v);
	return found;
}

describe("module structure of the domain, the SKU object and the payment providers", () => {
	const edges = graph();

	it("has no import cycle", () => {
		expect(edges.size).toBeGreaterThan(20);
		expect(cycles(edges)).toEqual([]);
	});

	it("keeps the domain free of the object", () => {
		const leaks = [...edges].flatMap(([from, deps]) =>
			from.startsWith("src/domain/")
				? deps.filter((d) => d.startsWith("src/inventory/")).map((d) => `${from} → ${d}`)
				: [],
		);
		expect(leaks).toEqual([]);
	});

	it("finds a cycle when there is one (the check itself)", () => {
		const looped = new Map([
			["a", ["b"]],
			["b", ["c"]],
			["c", ["a"]],
			["d", ["a"]],
		]);
		expect(cycles(looped)).toEqual([["a", "b", "c"]]);
	});
});
