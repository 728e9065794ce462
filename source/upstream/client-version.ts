// The Antigravity client identity agproxy presents to Cloud Code. Google refuses client versions it considers too old
// ("This version of Antigravity is no longer supported", reference peers.md "Update 2026-12", antigravity-claude-proxy.md
// §2) and 403s some User-Agent types, so the version is a setting (`clientVersion`, AGPROXY_CLIENT_VERSION) that an
// account may override, and a refusal is recognised and reported as such instead of as a generic failure. Pure.

/** The version current Antigravity clients send (CLIProxyAPI's fallback, Aug–Sep 2026: "Cloud Code rejects newer models for clients below 2.9.0"). */
export const DEFAULT_CLIENT_VERSION = '2.9.1';

const VERSION_PATTERN = /^\d{1,4}(\.\d{1,6}){1,3}$/;

export function isClientVersion(value: string): boolean {
	return VERSION_PATTERN.test(value);
}

/** `antigravity/<version> <os>/<arch>`, the form the Antigravity app itself sends (Go-style names, as Google sees them). */
export function antigravityUserAgent(version: string, platform: string = process.platform, arch: string = process.arch): string {
	const os = platform === 'win32' ? 'windows' : platform;
	const cpu = arch === 'x64' ? 'amd64' : arch;
	return `antigravity/${version} ${os}/${cpu}`;
}

/** The version inside an Antigravity User-Agent (`antigravity/1.2.3 …` or `antigravity/hub/1.2.3 …`), if it is one. */
export function versionFromUserAgent(userAgent: string | undefined): string | undefined {
	const match = /^antigravity\/(?:hub\/)?(\d+(?:\.\d+)*)(?:\s|$)/i.exec(userAgent ?? '');
	return match?.[1];
}

/** Numeric comparison of dotted versions: negative when a < b. */
export function compareVersions(a: string, b: string): number {
	const left = a.split('.').map(Number);
	const right = b.split('.').map(Number);
	for (let i = 0; i < Math.max(left.length, right.length); i++) {
		const diff = (left[i] ?? 0) - (right[i] ?? 0);
		if (diff !== 0) return diff;
	}
	return 0;
}

/** The wording Google uses to refuse an outdated client, as an error body or as the whole text of a 200 answer. */
const REFUSAL = /this version of antigravity is no longer supported|current version of antigravity is out of date/i;

export function isClientRefusal(text: string): boolean {
	return REFUSAL.test(text);
}

/** What the operator reads: which version was refused and what to change. */
export function refusalMessage(version: string, upstreamText: string): string {
	return (
		`Google refuses client version ${version} ("${upstreamText.trim().slice(0, 200)}"): set a current version with ` +
		'`agproxy settings set clientVersion <version>` (or AGPROXY_CLIENT_VERSION) and restart, or for one account ' +
		'`agproxy accounts set-client <email> <version>`'
	);
}
