import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { Header } from "@/components/Header";
import { NetworkBanner } from "@/components/NetworkBanner";
import { DevWalletPrompt } from "@/components/DevWalletPrompt";
import { IS_LOCAL_CHAIN } from "@/lib/chain";
import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Portfolio stake", template: "%s · Portfolio stake" },
  description: "Lock NMR once and spread it over your Numerai models with one weight vector.",
};

export const viewport: Viewport = {
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#f7f8fa" },
    { media: "(prefers-color-scheme: dark)", color: "#12151b" },
  ],
};

// Applies a stored theme choice before the first paint (no flash); without one, CSS follows prefers-color-scheme.
const themeScript = `try{var t=localStorage.getItem("theme");if(t==="light"||t==="dark")document.documentElement.dataset.theme=t}catch(e){}`;

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body>
        <Providers>
          <a className="skip-link" href="#main">
            Skip to content
          </a>
          <Header />
          <NetworkBanner />
          <main id="main" className="container">
            {children}
          </main>
          {IS_LOCAL_CHAIN ? <DevWalletPrompt /> : null}
        </Providers>
      </body>
    </html>
  );
}
