import path from "node:path";
import type { NextConfig } from "next";

// npm workspaces hoist next and the lockfile to the repository root: Turbopack and output tracing must start there.
const repoRoot = path.join(__dirname, "..");

const nextConfig: NextConfig = {
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
  // The end-to-end harness builds into its own directory (its RPC URL is baked in) so it never clobbers a dev build.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // ANALYZE_BUNDLE=1: source maps in the client build, to see what each chunk holds.
  productionBrowserSourceMaps: process.env.ANALYZE_BUNDLE === "1",
  // The shared core package is TypeScript source (no build step): Next compiles it like the app's own files.
  transpilePackages: ["@portfolio-stake/core"],
  reactStrictMode: true,
  poweredByHeader: false,
};

export default nextConfig;
