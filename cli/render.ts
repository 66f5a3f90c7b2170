// `gpufleet render`: writes every generated on-host artifact of a pool to files, where real
// validators can run on them.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { PoolPlan } from "../planner/types";
import { render, type RenderContext } from "../cloud-init";

/**
 * Writes `outDir/<pool>/user-data.yaml` (the plain cloud-config, before any gzip) and every file
 * the user data
 * writes on the instance under `outDir/<pool>/<its absolute path>` (e.g.
 * `etc/systemd/system/gpufleet.target`),
 * with its mode. Returns the paths written, user-data.yaml first.
 */
export async function writeRenderedPool(
  pool: PoolPlan,
  ctx: RenderContext,
  outDir: string,
): Promise<string[]> {
  const rendered = render(pool, ctx);
  const poolDir = join(outDir, rendered.pool);
  const written: string[] = [];
  const put = async (path: string, content: string, mode: number): Promise<void> => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content, { mode });
    await chmod(path, mode);
    written.push(path);
  };
  await put(join(poolDir, "user-data.yaml"), rendered.userData, 0o644);
  for (const file of rendered.files) {
    await put(
      join(poolDir, ...file.path.split("/").filter(Boolean)),
      file.content,
      parseInt(file.mode, 8),
    );
  }
  return written;
}
