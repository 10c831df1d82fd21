// Every relative link in docs/ and README.md leads somewhere: the file or folder exists, and a
// `#fragment` names a heading of the page it points into (the slug GitHub gives the heading).
// Pages move and split (docs/hot-path.md became an index of docs/hot-path/); a link left behind
// fails here rather than on a reader.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
/** An inline Markdown link or image: `[text](target)` or `[text](target "title")`. */
const LINK = /!?\[(?:[^\][]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;

function pages(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return pages(path);
		return name.endsWith(".md") ? [path] : [];
	});
}

/** The page's lines, those of fenced code blocks blank. */
function prose(text: string): string[] {
	let fenced = false;
	return text.split("\n").map((line) => {
		if (FENCE.test(line)) {
			fenced = !fenced;
			return "";
		}
		return fenced ? "" : line;
	});
}

/** A line with its inline code spans blanked: a link written in code is not a link. */
function withoutCode(line: string): string {
	return line.replace(/(`+)[^`]*?\1/g, (span) => " ".repeat(span.length));
}

/** GitHub's anchor for a heading: lower case, punctuation and symbols dropped, spaces → "-". */
function slug(heading: string): string {
	const text = heading
		.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link in a heading keeps its text
		.replace(/<[^>]+>/g, "")
		.toLowerCase();
	return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

const anchorsOf = new Map<string, Set<string>>();
function anchors(page: string): Set<string> {
	const known = anchorsOf.get(page);
	if (known) return known;
	const found = new Set<string>();
	const seen = new Map<string, number>();
	for (const line of prose(readFileSync(page, "utf8"))) {
		const heading = HEADING.exec(line);
		if (!heading) continue;
		const base = slug(heading[2] ?? "");
		const n = seen.get(base) ?? 0;
		seen.set(base, n + 1);
		found.add(n === 0 ? base : `${base}-${n}`);
	}
	anchorsOf.set(page, found);
	return found;
}

function broken(page: string): string[] {
	const problems: string[] = [];
	prose(readFileSync(page, "utf8")).forEach((line, i) => {
		for (const match of withoutCode(line).matchAll(LINK)) {
			const target = match[1] ?? "";
			if (target === "" || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, mailto:
			const [path = "", fragment] = target.split("#", 2);
			const to = path === "" ? page : resolve(dirname(page), decodeURIComponent(path));
			const where = `${relative(ROOT, page)}:${i + 1}: ${target}`;
			if (!existsSync(to)) {
				problems.push(`${where} → no such file`);
				continue;
			}
			if (fragment !== undefined && to.endsWith(".md") && !anchors(to).has(fragment))
				problems.push(`${where} → no heading with that anchor`);
		}
	});
	return problems;
}

describe("links in the documentation", () => {
	it("the anchor of a heading is GitHub's", () => {
		expect(
			slug("Where it stands at the end of the fourteenth stop (2026-11-30, 21:54–22:15 UTC)"),
		).toBe("where-it-stands-at-the-end-of-the-fourteenth-stop-2026-11-30-21542215-utc");
		expect(slug("`npm start` hello against bare workerd")).toBe(
			"npm-start-hello-against-bare-workerd",
		);
		expect(slug("The sold-out answer's own cost")).toBe("the-sold-out-answers-own-cost");
	});

	it("every relative link in docs/ and README.md resolves to a file and, with #, to a heading", () => {
		const all = [join(ROOT, "README.md"), ...pages(join(ROOT, "docs"))];
		expect(all.flatMap(broken)).toEqual([]);
	});
});
