// A promise that resolves after `ms`. Runtime-neutral: the Worker, the object,
// the UI's mock backend, the CLI and the tests.

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
