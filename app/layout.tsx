// Root layout: document shell, global styles and client providers.
import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Providers } from "@/components/providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Rootwarden", template: "%s · Rootwarden" },
  description: "Govern root access across your AWS Organization",
};

// Every page is rendered per request: the CSP nonce (proxy.ts) must be in the HTML it protects.
export const dynamic = "force-dynamic";

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans text-sm">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
