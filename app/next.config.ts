import path from "node:path";
import type { NextConfig } from "next";

// npm workspaces hoist next and the lockfile to the repository root: Turbopack and output tracing must start there.
const repoRoot = path.join(__dirname, "..");

const nextConfig: NextConfig = {
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
  reactStrictMode: true,
  poweredByHeader: false,
};

export default nextConfig;
