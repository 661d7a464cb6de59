/** Test support: runs the `qdq` command line in this process and collects what it prints. */
import { main } from '../../src/cli/qdq';

export async function qdq(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}
