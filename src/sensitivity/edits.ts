import * as vscode from 'vscode';
import type { EditErrorCode } from '../core/editing/index';

/** The editing layer's commands (src/editing): `{ uri, target }` → `{ applied, message, nodes }`, undoable. */
export const DISABLE_QUANTIZATION = 'qdqStudio.disableQuantization';
export const ENABLE_QUANTIZATION = 'qdqStudio.enableQuantization';

export interface QuantizationEditResult {
  readonly applied: boolean;
  readonly message?: string;
  /** What the edit did not do but the user should know (layers of the module it left alone). */
  readonly notes?: readonly string[];
  readonly nodes?: readonly string[];
  /** Why a refusal happened, when the editing layer says (`EditError.code`). */
  readonly code?: EditErrorCode;
}

export type ToggleOutcome =
  | { readonly kind: 'applied'; readonly result: QuantizationEditResult }
  | { readonly kind: 'refused'; readonly message: string };

/** Shows a message to the user (register.ts also keeps it for the test hook). */
export type Notify = (kind: 'info' | 'warning' | 'error', message: string) => void;

export const showNotice: Notify = (kind, message) => {
  const show = kind === 'info' ? vscode.window.showInformationMessage : kind === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
  void show(message);
};

/**
 * Quantize (`enable`) or keep in higher precision a layer (`model.N`, a module path or a node name)
 * of the open model, through the editing commands, so the edit is undoable like any other. Shows
 * what happened: a refusal as a warning (a click that did nothing must say why where it is seen,
 * not as an information line that only the notification centre keeps).
 */
export async function setLayerQuantization(uri: vscode.Uri, target: string, enable: boolean, notify: Notify = showNotice): Promise<ToggleOutcome> {
  const command = enable ? ENABLE_QUANTIZATION : DISABLE_QUANTIZATION;
  let result: QuantizationEditResult | undefined;
  try {
    result = await vscode.commands.executeCommand<QuantizationEditResult | undefined>(command, { uri: uri.toString(), target });
  } catch (e) {
    const message = `${target}: ${e instanceof Error ? e.message : String(e)}`;
    notify('error', `QDQ Studio: ${message}`);
    return { kind: 'refused', message };
  }
  if (!result?.applied) {
    let message = result?.message ?? `${target}: nothing to change`;
    // The editing layer's words are for the API and the CLI; from a checkbox or a CodeLens the user
    // needs to know why and what to do.
    if (enable && result?.code === 'noActivationScale') {
      message = `${target} cannot be quantized here: QDQ Studio knows no activation scale for its layers without Q/DQ (only for quantizers removed in this session). Calibrate them in the QAT run, or give a scale with qdq edit --enable-quant NODE:SCALE. (${message})`;
    }
    notify('warning', message);
    return { kind: 'refused', message };
  }
  // Applied, but not all of it (re-checking a module some of whose layers never had Q/DQ): say which.
  if (result.notes?.length && result.message) notify('info', result.message);
  return { kind: 'applied', result };
}
