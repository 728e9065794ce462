// Inline media (`inlineData`: screenshots in tool results, pasted images, PDFs) as the service checks it once the
// request has parsed (proto parsing already checked that `data` is base64). Claude models relay Anthropic's checks: a
// supported image type (or a PDF, which becomes a document) whose bytes match the declared type. Gemini refuses an empty
// blob and a MIME type it cannot read.
import type {WContent} from './wire.js';

const CLAUDE_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const GEMINI_PREFIXES = ['image/', 'audio/', 'video/', 'text/', 'application/pdf', 'application/json'];

/** The image type the bytes really are (magic numbers), if one of Anthropic's four. */
function sniff(data: string): string | undefined {
	const head = Buffer.from(data.slice(0, 24), 'base64');
	if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
	if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
	if (head.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
	if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
	return undefined;
}

/** The first media problem, as the message the family's backend gives (Claude: Anthropic's wording), or undefined. */
export function mediaProblem(contents: WContent[], family: 'claude' | 'gemini'): string | undefined {
	for (const [i, content] of contents.entries()) {
		for (const [j, part] of (content.parts ?? []).entries()) {
			const blob = part.inlineData;
			if (blob === undefined) continue;
			const mimeType = (blob.mimeType ?? '').toLowerCase();
			const data = blob.data ?? '';
			if (family === 'gemini') {
				if (data === '') return 'Unable to submit request because it has an empty inlineData parameter. Add a value to the parameter and try again.';
				if (!GEMINI_PREFIXES.some((p) => mimeType.startsWith(p))) return `Unable to submit request because it has a mimeType parameter with value ${mimeType || '(empty)'}, which is not supported. Update the mimeType and try again.`;
				continue;
			}
			if (mimeType === 'application/pdf') continue;
			const where = `messages.${i}.content.${j}.image.source.base64`;
			if (!CLAUDE_IMAGE_TYPES.includes(mimeType)) return `${where}.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
			if (data === '') return `${where}.data: image cannot be empty`;
			const actual = sniff(data);
			if (actual !== mimeType) return `${where}: Image does not match the provided media type ${mimeType}`;
		}
	}
	return undefined;
}
