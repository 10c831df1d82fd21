// Vite's `?raw` import (a file's text as a string), which the workers tests use to read docs.
declare module "*.md?raw" {
	const text: string;
	export default text;
}
