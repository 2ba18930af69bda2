/**
 * The one place that registers @vscode/webview-ui-toolkit components. The
 * toolkit is frozen upstream: replacing it means changing this module and the
 * few tag names the views create.
 */
import { provideVSCodeDesignSystem, vsCodeBadge, vsCodeButton, vsCodeProgressRing } from '@vscode/webview-ui-toolkit';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeBadge(), vsCodeProgressRing());

export const TAG = { button: 'vscode-button', badge: 'vscode-badge', progress: 'vscode-progress-ring' } as const;
