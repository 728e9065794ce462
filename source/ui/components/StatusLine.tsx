// The last thing that happened: an action's outcome or a notice from the server, whichever is newer.
import {Text} from 'ink';
import type {ReactElement} from 'react';
import type {NoticeRecord} from '../../events.js';
import {clean, truncate} from '../format.js';
import {type Tone, useTheme} from '../theme.js';

export type Status = {tone: Tone; text: string; at: number};

const NOTICE_TONE: Record<NoticeRecord['level'], Tone> = {info: 'info', warn: 'warn', error: 'error'};

export function pickStatus(status: Status | undefined, notice: NoticeRecord | undefined): Status | undefined {
	if (notice === undefined) return status;
	const at = Date.parse(notice.time);
	const fromNotice: Status = {tone: NOTICE_TONE[notice.level], text: notice.message, at: Number.isNaN(at) ? 0 : at};
	if (status === undefined) return fromNotice;
	return fromNotice.at > status.at ? fromNotice : status;
}

export function StatusLine({status, width}: {status: Status | undefined; width: number}): ReactElement {
	const theme = useTheme();
	if (status === undefined) return <Text> </Text>;
	return (
		<Text wrap="truncate-end" color={theme.color(status.tone)}>
			{truncate(` ${clean(status.text)}`, width)}
		</Text>
	);
}
