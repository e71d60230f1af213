import type { Metadata } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { Providers } from '@/components/providers';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'IU Core Console', template: '%s · IU Core Console' },
  description: 'Operations console for the iu_core substrate.',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // every page is rendered per request, so Next can put this request's CSP nonce (proxy.ts) on its scripts
  await connection();
  return (
    <html lang="en">
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
