// A request that cannot be expressed for Cloud Code: becomes an HTTP 400 naming the offending field
// (dotted path, as validation names fields: `messages.3.content.0.tool_use_id`).
export class TranslationError extends Error {
	constructor(
		message: string,
		readonly field: string,
	) {
		super(message);
		this.name = 'TranslationError';
	}
}
