import * as vscode from 'vscode';

/** The editing layer's commands (src/editing): `{ uri, target }` → `{ applied, message, nodes }`, undoable. */
export const DISABLE_QUANTIZATION = 'qdqStudio.disableQuantization';
export const ENABLE_QUANTIZATION = 'qdqStudio.enableQuantization';

export interface QuantizationEditResult {
  readonly applied: boolean;
  readonly message?: string;
  readonly nodes?: readonly string[];
}

export type ToggleOutcome =
  | { readonly kind: 'applied'; readonly result: QuantizationEditResult }
  | { readonly kind: 'refused'; readonly message: string }
  | { readonly kind: 'missing'; readonly command: string };

export async function editingAvailable(): Promise<boolean> {
  const commands = await vscode.commands.getCommands(true);
  return commands.includes(DISABLE_QUANTIZATION) && commands.includes(ENABLE_QUANTIZATION);
}

/**
 * Quantize (`enable`) or keep in higher precision a layer (`model.N`, a module path or a node name)
 * of the open model, through the editing commands, so the edit is undoable like any other. Shows
 * what happened; when the editing commands are not in this build, says so and offers the node names
 * to exclude at export time instead.
 */
export async function setLayerQuantization(uri: vscode.Uri, target: string, enable: boolean, computeNodes: readonly string[], quiet = false): Promise<ToggleOutcome> {
  const command = enable ? ENABLE_QUANTIZATION : DISABLE_QUANTIZATION;
  const commands = await vscode.commands.getCommands(true);
  if (!commands.includes(command)) {
    if (!quiet) {
      const copy = 'Copy Node Names';
      void vscode.window
        .showWarningMessage(
          `${enable ? 'Quantizing' : 'Keeping in FP16'} ${target} needs QDQ Studio's editing commands (${command}), which this build does not have yet. ` +
            (enable ? 'Re-export the model with the layer quantized.' : `Meanwhile exclude its ${computeNodes.length} compute node(s) when quantizing (nodes_to_exclude).`),
          ...(enable || !computeNodes.length ? [] : [copy]),
        )
        .then((pick) => (pick === copy ? vscode.env.clipboard.writeText(computeNodes.join('\n')) : undefined));
    }
    return { kind: 'missing', command };
  }
  let result: QuantizationEditResult | undefined;
  try {
    result = await vscode.commands.executeCommand<QuantizationEditResult | undefined>(command, { uri: uri.toString(), target });
  } catch (e) {
    const message = `${target}: ${e instanceof Error ? e.message : String(e)}`;
    if (!quiet) void vscode.window.showErrorMessage(`QDQ Studio: ${message}`);
    return { kind: 'refused', message };
  }
  if (!result?.applied) {
    const message = result?.message ?? `${target}: nothing to change`;
    if (!quiet) void vscode.window.showInformationMessage(message);
    return { kind: 'refused', message };
  }
  return { kind: 'applied', result };
}
