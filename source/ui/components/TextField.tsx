// A one-line text field as shown: the label, the value's end when it is too long, and a cursor. Keys are handled by
// the dialog that owns it (keymap.editText).
import {Text} from 'ink';
import type {ReactElement} from 'react';
import {textWidth, truncateStart} from '../format.js';
import {useTheme} from '../theme.js';

export function TextField({label, value, width, placeholder, focused = true}: {label: string; value: string; width: number; placeholder?: string; focused?: boolean}): ReactElement {
	const theme = useTheme();
	const room = Math.max(1, width - textWidth(label) - 2);
	const shown = value === '' ? '' : truncateStart(value, room);
	return (
		<Text wrap="truncate-end">
			<Text bold>{label} </Text>
			{shown}
			{focused ? <Text inverse> </Text> : undefined}
			{value === '' && placeholder !== undefined ? (
				<Text color={theme.color('muted')} dimColor={theme.dim}>
					{' '}
					{placeholder}
				</Text>
			) : undefined}
		</Text>
	);
}
