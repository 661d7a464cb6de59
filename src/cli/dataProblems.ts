/**
 * The external data a command cannot read, told before it reads any: for `qdq lint` (whose
 * findings that need those values would otherwise silently go missing) and `qdq edit` (whose edits
 * would be refused, or applied without the values, for a reason that is not the edit's). Each
 * problem is one line naming the model and the data file (or the tensor whose entries are wrong);
 * the commands say them as input errors, exit 2.
 *
 * Two sources: the state of each data file (`externalDataStatus`: missing, cut short, a location
 * refused, …) and, for the tensors in files that are fine, what a read of each tensor would refuse
 * without touching the disk (a malformed offset or length, no location, a length that is not what
 * its shape and type need).
 */
import {
  DataLocation, eachTensor, externalDataStatus, externalDataValue, rawByteLength, resolveExternalData, TensorDataError, tensorElementCount, attributeOwner, type ModelProto,
} from '../core/onnx/index';

export interface DataProblem {
  /** The data file as the model writes it (`""` when a tensor names none). */
  location: string;
  /** `missing`, `short`, `refused` (as `qdq info` says them) or `malformed`: a tensor's own entries are wrong. */
  problem: string;
  /** The tensor, for a problem of one tensor's entries. */
  tensor?: string;
  /** One line naming the model file and the data file or tensor. */
  message: string;
}

/** At most this many tensors with malformed entries are listed; one more line gives the count. */
const MAX_TENSOR_PROBLEMS = 20;

/** What `externalDataCheck` finds: the problems to say, and the tensors a read would refuse. */
export interface ExternalDataCheck {
  problems: DataProblem[];
  /**
   * The tensors whose values a read would refuse (their data file has a problem, or their own
   * entries are malformed), by the name a graph reads them under: the tensor's name, or for a
   * Constant's `value` the node's output.
   */
  unreadable: Set<string>;
}

/** One pass over the data files and the externally stored tensors. */
export function externalDataCheck(model: ModelProto, modelFile: string): ExternalDataCheck {
  const out: DataProblem[] = [];
  const unreadable = new Set<string>();
  const badFiles = new Set<string>();
  for (const s of externalDataStatus(model, modelFile)) {
    if (!s.problem) continue;
    badFiles.add(s.location);
    out.push({ location: s.location, problem: s.problem, message: s.message ?? `${modelFile}: external data file '${s.location}': ${s.problem}` });
  }
  let listed = 0;
  let more = 0;
  eachTensor(model, (t, attribute, node) => {
    if (t.dataLocation !== DataLocation.EXTERNAL) return;
    const readAs = t.name || (node?.opType === 'Constant' ? node.output[0] : undefined);
    const location = externalDataValue(t, 'location') ?? '';
    if (badFiles.has(location)) {
      if (readAs !== undefined) unreadable.add(readAs);
      return; // said once for its file
    }
    // A tensor without a name (a Constant's value) is named by the node attribute holding it.
    const owner = t.name === '' && attribute && node ? attributeOwner(node, attribute) : undefined;
    let message: string | undefined;
    try {
      const info = resolveExternalData(t, modelFile);
      const count = tensorElementCount(t);
      const need = count === undefined ? undefined : rawByteLength(t.dataType, count);
      if (info.length !== undefined && need !== undefined && info.length !== need) {
        message = new TensorDataError(modelFile, t.name, `external data length ${info.length} does not match the ${need} bytes its shape and type need`, owner).message;
      }
    } catch (e) {
      if (!(e instanceof TensorDataError)) throw e;
      message = new TensorDataError(e.file, e.tensorName, e.problem, e.owner ?? owner).message;
    }
    if (message === undefined) return;
    if (readAs !== undefined) unreadable.add(readAs);
    if (listed >= MAX_TENSOR_PROBLEMS) more++;
    else {
      listed++;
      out.push({ location, problem: 'malformed', tensor: t.name || owner || '', message });
    }
  });
  if (more) out.push({ location: '', problem: 'malformed', message: `${modelFile}: ${more} more tensors with malformed external data entries are not listed` });
  return { problems: out, unreadable };
}

export function externalDataProblems(model: ModelProto, modelFile: string): DataProblem[] {
  return externalDataCheck(model, modelFile).problems;
}
