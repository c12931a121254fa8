// workerd runner: a Worker module whose fetch handler runs the scenarios and answers with the
// report as JSON. The key comes from the Worker's env binding, as a real Worker gets its secret;
// the library has no environment fallback in Workers (env_key checks that).
import { type ClientLibrary, type ConformanceConfig, runConformance } from '../scenarios.js';

/** The Worker's default export. */
export function start(lib: ClientLibrary) {
  return {
    async fetch(request: Request, env: { OPENAI_API_KEY: string }): Promise<Response> {
      const config = (await request.json()) as ConformanceConfig;
      return Response.json(await runConformance(lib, { ...config, apiKey: env.OPENAI_API_KEY }));
    },
  };
}
